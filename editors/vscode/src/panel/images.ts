/**
 * Images attached to a prompt in the Codex view (#21): which files count as images, and
 * how they travel in `codex.ask` / `codex.runTask`'s `images` argument.
 *
 * Pure (no `vscode`, no DOM): used by the host (panel/host.ts), the webview script
 * (webview/images.ts) and the unit tests.
 */

/** The image types the server takes (as Codex: PNG, JPEG, GIF, WebP). */
export const IMAGE_TYPES: readonly string[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

/** An image attached to the prompt: pasted (`dataUrl`) or dropped from the workspace (`uri`). */
export interface ImageAttachment {
  id: string;
  name: string;
  dataUrl?: string;
  uri?: string;
  /** What the chip shows (the data URL, or one the host read for a file). */
  thumb?: string;
}

/** A file name or URI of an image type the server takes. */
export function isImagePath(path: string): boolean {
  return /\.(png|jpe?g|gif|webp)$/i.test(path.split(/[?#]/)[0]);
}

/** The MIME type of an image file, by its extension. */
export function imageMime(path: string): string | undefined {
  const ext = /\.([a-z]+)$/i.exec(path.split(/[?#]/)[0])?.[1]?.toLowerCase();
  return ext ? { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp' }[ext] : undefined;
}

/** `codex.ask` / `codex.runTask`'s `images`: `{dataUrl}` for a pasted image, `{uri}` for a file. */
export type ImageArg = { dataUrl: string } | { uri: string };

export function imageArgs(images: readonly ImageAttachment[], wireUri: (uri: string) => string = (u) => u): ImageArg[] {
  return images.flatMap((i): ImageArg[] => (i.dataUrl ? [{ dataUrl: i.dataUrl }] : i.uri ? [{ uri: wireUri(i.uri) }] : []));
}

/** The file URIs in a drop's `text/uri-list` (comments and blank lines left out). */
export function droppedUris(uriList: string): string[] {
  return uriList
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}
