/**
 * Tagged, accessible PDFs of letters and notices (pdfkit). PDF/UA-minded: document language en-GB, a title shown
 * in the viewer's title bar, a structure tree (Document > Sect per letter > P, H1, H2, L > LI > Lbl + LBody, Figure
 * with alt text), and page furniture (footers) marked as artifacts so screen readers skip it. Text is set in the
 * bundled DejaVu Sans (the same files the map renderer draws its labels from), embedded as subsets.
 *
 * The map is embedded once per PDF (`openImage`) and every map page paints that one image object, so a
 * 500-letter run holds one image, not 500; so is the authority's logo (a Figure "<name> logo" at the top left of
 * each letter's first page). A notice's map goes below its text on the same page (one A4 sheet to post). It fills an A4 page at the sheet's own size, so it is true to scale
 * when printed on A4 at actual size.
 *
 * Envelope window. The address block sits where it shows through a window envelope:
 * - DL (110 × 220 mm), the common UK window: 90 × 35 mm, 20 mm from the left edge and 15 mm from the bottom
 *   (envelope makers' standard position), so 60–95 mm from the envelope's top. The A4 sheet folded in three gives
 *   a 99 mm panel that rests on its fold at the bottom of the 110 mm envelope, 11 mm below the top edge: the window
 *   shows the sheet from 49 to 84 mm from its top, 20 to 110 mm from its left.
 * - C5 (162 × 229 mm) with the sheet folded once (a 148.5 mm panel resting on its fold) and the common 90 × 45 mm
 *   window 60 mm from the top shows the sheet from 46.5 to 91.5 mm: the DL area lies inside it.
 * So the block is set from 52 mm (3 mm inside the window) and at most 7 lines deep (to about 82 mm), 25 mm from the
 * left edge (5 mm inside) and at most 80 mm wide. Royal Mail asks for nothing but the address in the window.
 * (GOV.UK Notify's own printer uses 24.6–120 mm by 39.5–66.3 mm: a different envelope; change ADDRESS below for it.)
 */
import PDFDocument from 'pdfkit';
import { FONT_FILES } from '../render/text.ts';
import type { Block } from '../../shared/domain/documents.ts';

const MM = 72 / 25.4;
const A4 = { w: 595.28, h: 841.89 };
/** the envelope window area, in mm from the sheet's top-left corner (see above) */
export const ENVELOPE_WINDOW_MM = { left: 20, top: 49, width: 90, height: 35 } as const;
const ADDRESS = { x: 25 * MM, y: 52 * MM, width: 80 * MM, maxLines: 7, size: 10, minSize: 7.5 };
const MARGIN = { top: 20 * MM, bottom: 25 * MM, left: 25 * MM, right: 20 * MM };
const RIGHT_COLUMN = { x: 125 * MM, width: 65 * MM };
/** where a letter's text starts on its first page: below the window */
const LETTER_BODY_TOP = 92 * MM;
const FOOTER_Y = A4.h - 15 * MM;

export type PdfStyle = 'letter' | 'notice' | 'report';
const SIZES: Record<PdfStyle, { body: number; h1: number; h2: number; gap: number }> = {
  letter: { body: 10.5, h1: 15, h2: 12, gap: 1.6 },
  report: { body: 11, h1: 16, h2: 12.5, gap: 2.5 },
  notice: { body: 11, h1: 20, h2: 13, gap: 1 },
};
/** the logo's box at the top left of a first page */
const LOGO = { maxWidth: 60 * MM, maxHeight: 18 * MM };
/** the least height an inline map is drawn at on a notice's page (below this it takes a page of its own) */
const MAP_INLINE_MIN_MM = 70;

export interface PdfSection {
  /** top right of the first page: who it is from */
  sender?: string[];
  /** in the envelope window */
  address?: string[];
  /** under the sender: date, reference */
  meta?: string[];
  blocks: Block[];
  /** left of the footer on each text page (an artifact) */
  footer: string;
}

export interface PdfInput {
  title: string;
  author: string;
  subject: string;
  keywords?: string;
  style: PdfStyle;
  /** one image, painted on every map page; PNG or JPEG */
  map?: { image: Buffer; widthPx: number; heightPx: number; dpi: number; alt: string } | null;
  sections: PdfSection[];
  /** wrap each section in a Sect (several letters in one PDF) */
  sectionTags: boolean;
  /** the authority's logo (PNG), at the top left of each section's first page: embedded once, a Figure with alt */
  logo?: { image: Buffer; widthPx: number; heightPx: number; alt: string } | null;
  /** a notice of one page: the map goes below the text on the same page, reduced to the room left (its scale bar
   *  still measures it), and on a page of its own only when less than MAP_INLINE_MIN_MM is left */
  mapInline?: boolean;
}

export interface PdfOutput {
  pdf: Buffer;
  pages: number;
}

/** Lets other requests in while a long run of letters is laid out (the layout is synchronous). */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

type Sizes = (typeof SIZES)[PdfStyle];
type Struct = PDFKit.PDFStructureElement;
const CONTENT_WIDTH = A4.w - MARGIN.left - MARGIN.right;
const MAX_Y = A4.h - MARGIN.bottom;

/** What every helper writes with: the document, the type sizes, and the map image (opened once). */
interface Writer {
  doc: PDFKit.PDFDocument;
  sizes: Sizes;
  map: PdfInput['map'];
  image: PDFKit.Mixins.ImageSrc | null;
  logo: PdfInput['logo'];
  logoImage: PDFKit.Mixins.ImageSrc | null;
  mapInline: boolean;
  /** where the current section's text began (below its logo) */
  bodyTop?: number;
}

/** A tagged, PDF/UA-identified A4 document with the fonts registered, and its bytes when it ends. */
function openDocument(input: PdfInput): { doc: PDFKit.PDFDocument; bytes: Promise<Buffer> } {
  // @types/pdfkit lags pdfkit 0.20: it lacks the PDF/UA subset, openImage and the Figure's layout attributes
  const options = {
    size: 'A4',
    margins: MARGIN,
    autoFirstPage: false,
    bufferPages: true,
    compress: true,
    pdfVersion: '1.7',
    subset: 'PDF/UA',
    tagged: true,
    lang: 'en-GB',
    displayTitle: true,
    info: {
      Title: input.title,
      Author: input.author,
      Subject: input.subject,
      Keywords: input.keywords ?? '',
      Creator: 'Redline',
      Producer: 'Redline (PDFKit)',
    },
  };
  const doc = new PDFDocument(options as unknown as PDFKit.PDFDocumentOptions);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const bytes = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('body', FONT_FILES.regular);
  doc.registerFont('bold', FONT_FILES.bold);
  return { doc, bytes };
}

/** pages so far, counting those pdfkit adds when a long paragraph flows on */
function pageCount(doc: PDFKit.PDFDocument): number {
  const r = doc.bufferedPageRange();
  return r.start + r.count;
}

function newPage(doc: PDFKit.PDFDocument): void {
  doc.addPage();
  doc.x = MARGIN.left;
  doc.y = MARGIN.top;
}

function heightOf(w: Writer, text: string, font: 'body' | 'bold', size: number, width: number): number {
  const { doc, sizes } = w;
  // most blocks plainly fit: an upper bound (no glyph of DejaVu Sans is wider than 1 em; a quarter of each line
  // allowed for the word that did not fit) saves laying the text out twice
  const lines = text
    .split('\n')
    .reduce((n, seg) => n + Math.max(1, Math.ceil((seg.length * size) / (width * 0.75))), 0);
  const bound = lines * (size * 1.25 + sizes.gap);
  if (doc.y + bound <= MAX_Y) return bound;
  doc.font(font).fontSize(size);
  return doc.heightOfString(text, { width, lineGap: sizes.gap });
}

/** starts a new page unless `h` points fit (a block taller than a page just flows on) */
function room(doc: PDFKit.PDFDocument, h: number): void {
  if (doc.y + h > MAX_Y && h <= MAX_Y - MARGIN.top) newPage(doc);
}

/** Top right of the first page: who the letter is from. */
function writeSender(doc: PDFKit.PDFDocument, parent: Struct, lines: string[]): void {
  parent.add(
    doc.struct('P', {}, () => {
      doc.font('bold').fontSize(11).text(lines[0]!, RIGHT_COLUMN.x, MARGIN.top, { width: RIGHT_COLUMN.width });
      if (lines.length > 1)
        doc.font('body').fontSize(10).text(lines.slice(1).join('\n'), { width: RIGHT_COLUMN.width });
    }),
  );
}

/** The address block, in the envelope window. */
function writeAddress(doc: PDFKit.PDFDocument, parent: Struct, address: string[]): void {
  const lines = address.slice(0, ADDRESS.maxLines);
  // the widest line sets the size: never wider than the window, never smaller than 7.5 pt
  doc.font('body').fontSize(ADDRESS.size);
  const widest = Math.max(...lines.map((l) => doc.widthOfString(l)));
  const size = Math.max(ADDRESS.minSize, Math.min(ADDRESS.size, (ADDRESS.size * ADDRESS.width) / Math.max(widest, 1)));
  parent.add(
    doc.struct('P', {}, () => {
      doc
        .font('body')
        .fontSize(size)
        .text(lines.join('\n'), ADDRESS.x, ADDRESS.y, { width: ADDRESS.width, lineGap: 0.6 });
    }),
  );
}

/** Under the sender: date and reference. */
function writeMeta(doc: PDFKit.PDFDocument, parent: Struct, lines: string[]): void {
  parent.add(
    doc.struct('P', {}, () => {
      doc
        .font('body')
        .fontSize(10)
        .text(lines.join('\n'), RIGHT_COLUMN.x, 60 * MM, { width: RIGHT_COLUMN.width, lineGap: 1 });
    }),
  );
}

/** The logo at the top left (a Figure with its alt text); the height it takes, or 0 without one. */
function writeLogo(w: Writer, parent: Struct): number {
  const { doc, logo, logoImage } = w;
  if (!logo || !logoImage) return 0;
  const k = Math.min(LOGO.maxWidth / logo.widthPx, LOGO.maxHeight / logo.heightPx);
  const width = logo.widthPx * k;
  const height = logo.heightPx * k;
  const figure = {
    alt: logo.alt,
    bbox: [MARGIN.left, MARGIN.top, MARGIN.left + width, MARGIN.top + height],
    placement: 'Block',
  } as PDFKit.Mixins.StructureElementOptions;
  parent.add(
    doc.struct('Figure', figure, () => {
      doc.image(logoImage, MARGIN.left, MARGIN.top, { width, height });
    }),
  );
  return height;
}

/** Logo, sender, address and meta of a letter, then the place its text starts (below the window, or below the logo
 *  at the top margin). */
function writeLetterHead(w: Writer, parent: Struct, section: PdfSection): void {
  const { doc } = w;
  const logoHeight = writeLogo(w, parent);
  if (section.sender?.length) writeSender(doc, parent, section.sender);
  if (section.address?.length) writeAddress(doc, parent, section.address);
  if (section.meta?.length) writeMeta(doc, parent, section.meta);
  doc.x = MARGIN.left;
  doc.y =
    section.address?.length || section.sender?.length || section.meta?.length
      ? LETTER_BODY_TOP
      : MARGIN.top + (logoHeight ? logoHeight + 5 * MM : 0);
}

function writeHeading(w: Writer, parent: Struct, block: Extract<Block, { type: 'h1' | 'h2' }>): void {
  const { doc, sizes } = w;
  const size = block.type === 'h1' ? sizes.h1 : sizes.h2;
  const atTop = () => doc.y === MARGIN.top || doc.y === LETTER_BODY_TOP || doc.y === w.bodyTop;
  const top = atTop() ? 0 : size * 0.6;
  // keep a heading with the first lines after it
  room(doc, top + heightOf(w, block.text, 'bold', size, CONTENT_WIDTH) + 3 * sizes.body * 1.4);
  if (!atTop()) doc.y += top;
  parent.add(
    doc.struct(block.type === 'h1' ? 'H1' : 'H2', {}, () => {
      doc
        .font('bold')
        .fontSize(size)
        .text(block.text, MARGIN.left, doc.y, { width: CONTENT_WIDTH, lineGap: sizes.gap });
    }),
  );
  doc.y += size * 0.35;
}

function writeParagraph(w: Writer, parent: Struct, block: Extract<Block, { type: 'p' }>): void {
  const { doc, sizes } = w;
  room(doc, heightOf(w, block.text, 'body', sizes.body, CONTENT_WIDTH));
  parent.add(
    doc.struct('P', {}, () => {
      doc
        .font('body')
        .fontSize(sizes.body)
        .text(block.text, MARGIN.left, doc.y, { width: CONTENT_WIDTH, lineGap: sizes.gap });
    }),
  );
  doc.y += sizes.body * 0.75;
}

function writeList(w: Writer, parent: Struct, block: Extract<Block, { type: 'list' }>): void {
  const { doc, sizes } = w;
  const L = doc.struct('L');
  parent.add(L);
  const indent = sizes.body * (block.ordered ? 2.2 : 1.5);
  for (const item of block.items) {
    room(doc, heightOf(w, item.text, 'body', sizes.body, CONTENT_WIDTH - indent));
    const y = doc.y;
    const li = doc.struct('LI');
    L.add(li);
    li.add(
      doc.struct('Lbl', {}, () => {
        doc.font('body').fontSize(sizes.body).text(item.label, MARGIN.left, y, { lineBreak: false });
      }),
    );
    li.add(
      doc.struct('LBody', {}, () => {
        doc
          .font('body')
          .fontSize(sizes.body)
          .text(item.text, MARGIN.left + indent, y, { width: CONTENT_WIDTH - indent, lineGap: sizes.gap });
      }),
    );
    li.end();
    doc.y += sizes.body * 0.3;
  }
  L.end();
  doc.y += sizes.body * 0.45;
}

/** The map on a page of its own, at the sheet's own size (widthPx / dpi inches), centred: true to scale when
 *  printed at actual size. Returns the page it is on, or null when there is no map to paint. */
function writeMap(w: Writer, parent: Struct): number | null {
  const { doc, image, map } = w;
  if (!image || !map) return null;
  const mw = (map.widthPx / map.dpi) * 72;
  const mh = (map.heightPx / map.dpi) * 72;
  const roomLeft = MAX_Y - doc.y;
  if (w.mapInline && roomLeft >= MAP_INLINE_MIN_MM * MM) {
    // below the text of a one-page notice, reduced to fit (the sheet's scale bar shrinks with it)
    const scale = Math.min(CONTENT_WIDTH / mw, roomLeft / mh);
    const x = MARGIN.left + (CONTENT_WIDTH - mw * scale) / 2;
    const y = doc.y;
    const figure = {
      alt: map.alt,
      bbox: [x, y, x + mw * scale, y + mh * scale],
      placement: 'Block',
    } as PDFKit.Mixins.StructureElementOptions;
    parent.add(
      doc.struct('Figure', figure, () => {
        doc.image(image, x, y, { width: mw * scale, height: mh * scale });
      }),
    );
    doc.y = y + mh * scale + 3 * MM;
    return null;
  }
  newPage(doc);
  const page = pageCount(doc) - 1;
  const scale = Math.min(1, A4.w / mw, A4.h / mh);
  const x = (A4.w - mw * scale) / 2;
  const y = (A4.h - mh * scale) / 2;
  const figure = {
    alt: map.alt,
    bbox: [x, y, x + mw * scale, y + mh * scale],
    placement: 'Block',
  } as PDFKit.Mixins.StructureElementOptions;
  parent.add(
    doc.struct('Figure', figure, () => {
      doc.image(image, x, y, { width: mw * scale, height: mh * scale });
    }),
  );
  return page;
}

/** The blocks of a section; text after a map starts a new page. Returns the map pages. */
function writeBlocks(w: Writer, parent: Struct, blocks: Block[]): Set<number> {
  const mapPages = new Set<number>();
  let afterMap = false;
  for (const block of blocks) {
    if (afterMap && block.type !== 'map') {
      newPage(w.doc);
      afterMap = false;
    }
    if (block.type === 'h1' || block.type === 'h2') writeHeading(w, parent, block);
    else if (block.type === 'p') writeParagraph(w, parent, block);
    else if (block.type === 'list') writeList(w, parent, block);
    else {
      const page = writeMap(w, parent);
      if (page !== null) {
        mapPages.add(page);
        afterMap = true;
      }
    }
  }
  return mapPages;
}

/** Footers: "Page 1 of 2" over the section's text pages (the map pages carry the sheet's own furniture). */
function writeFooters(doc: PDFKit.PDFDocument, footer: string, mapPages: Set<number>): void {
  const range = doc.bufferedPageRange();
  const textPages = Array.from({ length: range.count }, (_, i) => range.start + i).filter((p) => !mapPages.has(p));
  textPages.forEach((p, i) => {
    doc.switchToPage(p);
    doc.markContent('Artifact', { type: 'Pagination' });
    doc.font('body').fontSize(8).fillColor('#505a5f');
    doc.text(footer, MARGIN.left, FOOTER_Y, { lineBreak: false });
    const label = `Page ${i + 1} of ${textPages.length}`;
    doc.text(label, A4.w - MARGIN.right - doc.widthOfString(label), FOOTER_Y, { lineBreak: false });
    doc.fillColor('#000000');
    doc.endMarkedContent();
  });
  doc.flushPages();
}

/** One letter or notice: in a Sect of its own when asked, starting on a new page. */
function writeSection(w: Writer, root: Struct, section: PdfSection, sectionTags: boolean): void {
  const parent = sectionTags ? w.doc.struct('Sect') : root;
  if (parent !== root) root.add(parent);
  newPage(w.doc);
  writeLetterHead(w, parent, section);
  w.bodyTop = w.doc.y;
  const mapPages = writeBlocks(w, parent, section.blocks);
  if (parent !== root) parent.end();
  writeFooters(w.doc, section.footer, mapPages);
}

export async function writePdf(input: PdfInput): Promise<PdfOutput> {
  const { doc, bytes } = openDocument(input);
  const root = doc.struct('Document');
  doc.addStructure(root);
  const image = input.map
    ? (doc as unknown as { openImage(src: Buffer): PDFKit.Mixins.ImageSrc }).openImage(input.map.image)
    : null;
  const logoImage = input.logo
    ? (doc as unknown as { openImage(src: Buffer): PDFKit.Mixins.ImageSrc }).openImage(input.logo.image)
    : null;
  const w: Writer = {
    doc,
    sizes: SIZES[input.style],
    map: input.map,
    image,
    logo: input.logo,
    logoImage,
    mapInline: input.mapInline ?? false,
  };
  for (let s = 0; s < input.sections.length; s++) {
    if (s > 0 && s % 10 === 0) await breathe();
    writeSection(w, root, input.sections[s]!, input.sectionTags);
  }
  const pages = pageCount(doc);
  root.end();
  doc.end();
  return { pdf: await bytes, pages };
}
