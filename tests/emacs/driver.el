;;; driver.el --- drive Eglot against codex-lsp in `emacs --batch'  -*- lexical-binding: t -*-

;; Run by tests/emacs/test_emacs.py.  Opens CODEX_EMACS_FILE, starts Eglot with the
;; server command in CODEX_EMACS_SERVER (one argument per line), selects the whole
;; buffer and runs the code actions of kind CODEX_EMACS_KIND through
;; `eglot-code-actions', as `M-x eglot-code-actions' on a region would.  The user's
;; answers to every prompt (the action menu, the server's showMessageRequest, Eglot's
;; "Server wants to edit" question) are read from stdin, as batch Emacs does.  Writes
;; the buffer text, the command's result and *Messages* to CODEX_EMACS_RESULT as JSON.

(require 'package)
(package-initialize)
(require 'json)
(require 'eglot)
(require 'python)

(defvar codex-test-deadline
  (+ (float-time) (string-to-number (or (getenv "CODEX_EMACS_TIMEOUT") "60"))))

(defun codex-test-write (alist)
  "Write ALIST as JSON to CODEX_EMACS_RESULT."
  (with-temp-file (getenv "CODEX_EMACS_RESULT")
    (insert (json-encode alist))))

(defun codex-test-messages ()
  (with-current-buffer (messages-buffer)
    (buffer-substring-no-properties (point-min) (point-max))))

(defun codex-test-wait (predicate what)
  "Wait until PREDICATE holds, or fail naming WHAT."
  (while (not (funcall predicate))
    (when (> (float-time) codex-test-deadline)
      (error "Timed out waiting for %s" what))
    (accept-process-output nil 0.05)))

(defun codex-test-run ()
  (setq eglot-server-programs
        `((python-mode . ,(split-string (getenv "CODEX_EMACS_SERVER") "\n" t))))
  ;; The turn runs while `workspace/executeCommand' waits; the scripted model is quick,
  ;; but leave room for a loaded machine.
  (setq jsonrpc-default-request-timeout 60)
  (find-file (getenv "CODEX_EMACS_FILE"))
  (python-mode)
  (apply #'eglot (eglot--guess-contact))
  (codex-test-wait (lambda () (and (eglot-current-server) eglot--managed-mode))
                   "Eglot to manage the buffer")
  (let* ((last-nonmenu-event ?\r)     ; invoked from the keyboard: a menu in the minibuffer
         (result (eglot-code-actions (point-min) (point-max)
                                     (getenv "CODEX_EMACS_KIND") t)))
    (codex-test-write
     `((text . ,(buffer-substring-no-properties (point-min) (point-max)))
       (result . ,result)
       (messages . ,(codex-test-messages))))))

(condition-case err
    (progn (codex-test-run) (kill-emacs 0))
  (error
   (codex-test-write `((error . ,(error-message-string err))
                       (messages . ,(codex-test-messages))))
   (kill-emacs 1)))
