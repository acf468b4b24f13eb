/**
 * Address points and property outlines are read through ogr2ogr with `-dim XYZ`, so every geometry arrives as
 * WKT with a Z ordinate (0 where the source had none). This drops that ordinate and says whether any of it was a
 * real height (not 0), so a load can tell the GIS officer what it left out instead of dropping it silently.
 */
const NUM = '[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?';
const TRIPLE = new RegExp(`(${NUM})\\s+(${NUM})\\s+(${NUM})`, 'g');
const HEAD = /^\s*([A-Za-z]+)\s*(ZM|Z|M)?\s*(?=\(|EMPTY)/i;

export interface FlatWkt {
  /** the same geometry in 2D WKT */
  wkt: string;
  /** the source gave at least one vertex a height other than 0 */
  heights: boolean;
}

export function flatWkt(wkt: string): FlatWkt {
  const head = HEAD.exec(wkt);
  if (!head || !head[2]) return { wkt, heights: false };
  if (head[2].toUpperCase() !== 'Z')
    // -dim XYZ never writes M; anything else is left for the parser to refuse
    return { wkt, heights: false };
  let heights = false;
  const body = wkt.slice(head[0].length).replace(TRIPLE, (_m, x: string, y: string, z: string) => {
    if (Number(z) !== 0) heights = true;
    return `${x} ${y}`;
  });
  return { wkt: `${head[1]!.toUpperCase()} ${body}`, heights };
}
