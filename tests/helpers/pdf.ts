/** Reads a PDF the way an assistive tool or a printer would (pdfjs-dist, legacy build for Node): document info,
 *  MarkInfo, each page's text with positions (mm from the top-left corner), its structure tree with the text of
 *  each element, and the images it paints. */
import * as pdfjs from 'pdfjs-dist/legacy/build/pdf.mjs';

const PT_TO_MM = 25.4 / 72;

export interface PdfLine {
  str: string;
  /** left edge, mm from the left of the page */
  xMm: number;
  /** right edge, mm from the left of the page */
  rightMm: number;
  /** baseline, mm from the top of the page */
  baselineMm: number;
  /** font size in points */
  size: number;
}

export interface StructNode {
  role: string;
  alt?: string;
  lang?: string;
  /** all the text inside the element, in reading order */
  text: string;
  children: StructNode[];
}

export interface PdfPage {
  number: number;
  /** the page's text lines joined by newlines */
  text: string;
  /** the same with every run of white space (line ends of wrapped paragraphs too) as one space */
  flat: string;
  lines: PdfLine[];
  /** the structure tree of the page (the part of the document's tree whose content is on this page) */
  tree: StructNode | null;
  /** images painted (paintImageXObject operators) */
  images: number;
}

export interface ReadPdf {
  numPages: number;
  info: Record<string, unknown>;
  markInfo: { Marked?: boolean } | null;
  /** raw bytes as latin1, for dictionary checks (DisplayDocTitle, image XObjects) */
  raw: string;
  page(n: number): Promise<PdfPage>;
  close(): Promise<void>;
}

interface RawNode {
  role?: string;
  alt?: string;
  lang?: string;
  type?: string;
  id?: string;
  children?: RawNode[];
}

export async function readPdf(buf: Buffer): Promise<ReadPdf> {
  const doc = await pdfjs.getDocument({
    data: new Uint8Array(buf),
    isEvalSupported: false,
    useSystemFonts: false,
    verbosity: 0,
  }).promise;
  const md = await doc.getMetadata();
  return {
    numPages: doc.numPages,
    info: md.info as Record<string, unknown>,
    markInfo: (await doc.getMarkInfo()) as { Marked?: boolean } | null,
    raw: buf.toString('latin1'),
    async page(n: number): Promise<PdfPage> {
      const page = await doc.getPage(n);
      const height = page.view[3]! - page.view[1]!;
      const content = await page.getTextContent({ includeMarkedContent: true });
      const lines: PdfLine[] = [];
      const byId = new Map<string, string[]>();
      const stack: Array<string | null> = [];
      for (const item of content.items as Array<Record<string, unknown>>) {
        if (item.type === 'beginMarkedContentProps' || item.type === 'beginMarkedContent') {
          stack.push((item.id as string | undefined) ?? null);
          continue;
        }
        if (item.type === 'endMarkedContent') {
          stack.pop();
          continue;
        }
        const str = item.str as string;
        if (!str) continue;
        const t = item.transform as number[];
        lines.push({
          str,
          xMm: t[4]! * PT_TO_MM,
          rightMm: (t[4]! + (item.width as number)) * PT_TO_MM,
          baselineMm: (height - t[5]!) * PT_TO_MM,
          size: Math.hypot(t[2]!, t[3]!),
        });
        const id = [...stack].reverse().find((x) => x !== null);
        if (id) byId.set(id, [...(byId.get(id) ?? []), str]);
      }
      const build = (node: RawNode): StructNode | null => {
        if (node.type === 'content') return null;
        const children = (node.children ?? []).map(build).filter((x): x is StructNode => x !== null);
        const own = (node.children ?? [])
          .filter((c) => c.type === 'content' && c.id)
          .flatMap((c) => byId.get(c.id!) ?? []);
        return {
          role: node.role ?? '',
          ...(node.alt ? { alt: node.alt } : {}),
          ...(node.lang ? { lang: node.lang } : {}),
          text: [...own, ...children.map((c) => c.text)].join(' ').replace(/\s+/g, ' ').trim(),
          children,
        };
      };
      const raw = (await page.getStructTree()) as RawNode | null;
      const ops = await page.getOperatorList();
      return {
        number: n,
        text: lines.map((l) => l.str).join('\n'),
        flat: lines
          .map((l) => l.str)
          .join(' ')
          .replace(/\s+/g, ' '),
        lines,
        tree: raw ? build(raw) : null,
        images: ops.fnArray.filter((f) => f === pdfjs.OPS.paintImageXObject).length,
      };
    },
    close: () => doc.destroy(),
  };
}

/** Every element of a tree, depth first. */
export function elements(tree: StructNode | null): StructNode[] {
  if (!tree) return [];
  return [tree, ...tree.children.flatMap(elements)];
}

/** The roles from the root to each element, e.g. "Root/Document/Sect/H1". */
export function rolePaths(tree: StructNode | null, prefix = ''): string[] {
  if (!tree) return [];
  const here = prefix ? `${prefix}/${tree.role}` : tree.role;
  return [here, ...tree.children.flatMap((c) => rolePaths(c, here))];
}
