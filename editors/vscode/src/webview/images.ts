/**
 * Images in the Codex view's prompt box (runs in the webview, #21): pasted images (kept as
 * data URLs) and images dropped from the explorer (their URIs; the host reads a thumbnail)
 * become chips until the prompt is sent.
 */

import { droppedUris, IMAGE_TYPES, ImageAttachment, isImagePath } from '../panel/images';
import { $, button, codicon, el, post, vscode } from './dom';

/** Pasted images larger than this are refused here (the server fits smaller ones to Codex's limits). */
const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
let images: ImageAttachment[] = vscode.getState()?.images ?? [];
const prompt = $<HTMLTextAreaElement>('prompt');
let imageCounter = 0;

/** Keep the unsent prompt and its images across a reload of the webview. */
export function saveDraft(): void {
  vscode.setState({ draft: prompt.value, images });
}

export function renderImages(): void {
  const box = $<HTMLElement>('images');
  box.replaceChildren();
  box.hidden = images.length === 0;
  for (const image of images) {
    const c = el('span', 'chip image');
    c.setAttribute('role', 'listitem');
    c.title = image.name;
    if (image.thumb) c.append(Object.assign(el('img', 'thumb'), { src: image.thumb, alt: '' }));
    else c.append(codicon('file-media'));
    c.append(
      el('span', undefined, image.name),
      button('Remove', 'close', () => removeImage(image.id), { aria: `Remove image ${image.name}`, style: 'icon' }),
    );
    box.append(c);
  }
  saveDraft();
}

function removeImage(id: string): void {
  images = images.filter((i) => i.id !== id);
  renderImages();
}

/** A pasted (or dropped from outside VS Code) image file: sent as a data URL. */
function attachFile(file: File): void {
  if (file.size > MAX_IMAGE_BYTES) {
    post({ type: 'warn', text: `${file.name || 'The image'} is larger than 20 MB: not attached.` });
    return;
  }
  const reader = new FileReader();
  reader.onload = () => {
    const dataUrl = String(reader.result);
    const id = `img${Date.now()}-${++imageCounter}`;
    const name = file.name && file.name !== 'image.png' ? file.name : `pasted image ${imageCounter}.${file.type.split('/')[1]}`;
    images = [...images, { id, name, dataUrl, thumb: dataUrl }];
    renderImages();
  };
  reader.readAsDataURL(file);
}

/** A workspace image dropped from the explorer: sent as its URI; the host reads a thumbnail. */
function attachUri(uri: string): void {
  const id = `img${Date.now()}-${++imageCounter}`;
  const name = decodeURIComponent(uri.split(/[?#]/)[0].split('/').pop() ?? uri);
  images = [...images, { id, name, uri }];
  renderImages();
  post({ type: 'readImage', id, uri });
}

function imageFiles(list: FileList | undefined | null): File[] {
  return [...(list ?? [])].filter((f) => IMAGE_TYPES.includes(f.type));
}

prompt.addEventListener('paste', (e) => {
  const files = imageFiles(e.clipboardData?.files);
  if (!files.length) return;
  // An image with text beside it (copied from a document): the text is pasted too.
  if (!e.clipboardData?.types.includes('text/plain')) e.preventDefault();
  files.forEach(attachFile);
});

const composer = $<HTMLFormElement>('composer');
composer.addEventListener('dragover', (e) => {
  e.preventDefault();
  composer.classList.add('dropping');
});
composer.addEventListener('dragleave', () => composer.classList.remove('dropping'));
composer.addEventListener('drop', (e) => {
  composer.classList.remove('dropping');
  const data = e.dataTransfer;
  if (!data) return;
  const uris = droppedUris(data.getData('application/vnd.code.uri-list') || data.getData('text/uri-list'));
  const files = imageFiles(data.files);
  if (!uris.length && !files.length) return;
  e.preventDefault();
  const shown = uris.filter(isImagePath);
  if (uris.length && !shown.length) post({ type: 'warn', text: 'Only PNG, JPEG, GIF and WebP images can be attached.' });
  if (shown.length) shown.forEach(attachUri);
  else files.forEach(attachFile);
});

/** The host read a dropped file (`thumb` message). */
export function onThumb(id: string, dataUrl: string | undefined, error: string | undefined): void {
  if (error) {
    images = images.filter((i) => i.id !== id);
    post({ type: 'warn', text: `Could not attach ${error}` });
  } else {
    images = images.map((i) => (i.id === id ? { ...i, thumb: dataUrl } : i));
  }
  renderImages();
}

/** The attached images for `send` (without their thumbnails); the chips go away. */
export function takeImages(): ImageAttachment[] {
  const taken = images.map(({ thumb: _thumb, ...image }) => image);
  images = [];
  renderImages();
  return taken;
}
