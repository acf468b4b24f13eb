/**
 * GDAL's messages as a person may see them: the server's file paths (temporary folders, /vsizip/ wrappers) become
 * the name the user gave the file, and the driver list GDAL prints when it cannot open a file is left out.
 */
const DRIVER_LIST = /The following drivers? (are|is) (configured and )?support|^\s*->\s/i;
// an absolute path, optionally behind GDAL's virtual file system prefixes, up to a quote, a colon+space or a blank
const PATH = /(?:\/vsi[a-z]+\/)*\/(?:tmp|var|home|root|work|usr|opt|srv|run|data|mnt)\/[^\s'"`,;:)]*/g;

export function cleanGdalText(text: string, fileLabel = 'the file'): string {
  return text
    .split('\n')
    .filter((line) => !DRIVER_LIST.test(line))
    .join('\n')
    .replace(PATH, fileLabel)
    .replace(/ with the following drivers?\.?/g, '.')
    .trim();
}
