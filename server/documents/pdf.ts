/**
 * Tagged, accessible PDFs of letters and notices (pdfkit). PDF/UA-minded: document language en-GB, a title shown
 * in the viewer's title bar, a structure tree (Document > Sect per letter > P, H1, H2, L > LI > Lbl + LBody, Figure
 * with alt text), and page furniture (footers) marked as artifacts so screen readers skip it. Text is set in the
 * bundled DejaVu Sans (the same files the map renderer draws its labels from), embedded as subsets.
 *
 * The map is embedded once per PDF (`openImage`) and every map page paints that one image object, so a
 * 500-letter run holds one image, not 500. It fills an A4 page at the sheet's own size, so it is true to scale
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
  letter: { body: 11, h1: 16, h2: 12.5, gap: 2.5 },
  report: { body: 11, h1: 16, h2: 12.5, gap: 2.5 },
  notice: { body: 17, h1: 30, h2: 20, gap: 3 },
};

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
}

export interface PdfOutput {
  pdf: Buffer;
  pages: number;
}

/** Lets other requests in while a long run of letters is laid out (the layout is synchronous). */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function writePdf(input: PdfInput): Promise<PdfOutput> {
  const sizes = SIZES[input.style];
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
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  doc.registerFont('body', FONT_FILES.regular);
  doc.registerFont('bold', FONT_FILES.bold);

  const root = doc.struct('Document');
  doc.addStructure(root);
  const image = input.map
    ? (doc as unknown as { openImage(src: Buffer): PDFKit.Mixins.ImageSrc }).openImage(input.map.image)
    : null;
  const contentWidth = A4.w - MARGIN.left - MARGIN.right;
  const maxY = () => A4.h - MARGIN.bottom;
  /** pages so far, counting those pdfkit adds when a long paragraph flows on */
  const pageCount = () => {
    const r = doc.bufferedPageRange();
    return r.start + r.count;
  };

  const newPage = () => {
    doc.addPage();
    doc.x = MARGIN.left;
    doc.y = MARGIN.top;
  };
  const heightOf = (text: string, font: 'body' | 'bold', size: number, width: number) => {
    // most blocks plainly fit: an upper bound (no glyph of DejaVu Sans is wider than 1 em; a quarter of each line
    // allowed for the word that did not fit) saves laying the text out twice
    const lines = text
      .split('\n')
      .reduce((n, seg) => n + Math.max(1, Math.ceil((seg.length * size) / (width * 0.75))), 0);
    const bound = lines * (size * 1.25 + sizes.gap);
    if (doc.y + bound <= maxY()) return bound;
    doc.font(font).fontSize(size);
    return doc.heightOfString(text, { width, lineGap: sizes.gap });
  };
  /** starts a new page unless `h` points fit (a block taller than a page just flows on) */
  const room = (h: number) => {
    if (doc.y + h > maxY() && h <= maxY() - MARGIN.top) newPage();
  };

  for (let s = 0; s < input.sections.length; s++) {
    if (s > 0 && s % 10 === 0) await breathe();
    const section = input.sections[s]!;
    const parent = input.sectionTags ? doc.struct('Sect') : root;
    if (parent !== root) root.add(parent);
    const mapPages = new Set<number>();
    newPage();

    if (section.sender?.length) {
      const lines = section.sender;
      parent.add(
        doc.struct('P', {}, () => {
          doc.font('bold').fontSize(11).text(lines[0]!, RIGHT_COLUMN.x, MARGIN.top, { width: RIGHT_COLUMN.width });
          if (lines.length > 1)
            doc.font('body').fontSize(10).text(lines.slice(1).join('\n'), { width: RIGHT_COLUMN.width });
        }),
      );
    }
    if (section.address?.length) {
      const lines = section.address.slice(0, ADDRESS.maxLines);
      // the widest line sets the size: never wider than the window, never smaller than 7.5 pt
      doc.font('body').fontSize(ADDRESS.size);
      const widest = Math.max(...lines.map((l) => doc.widthOfString(l)));
      const size = Math.max(
        ADDRESS.minSize,
        Math.min(ADDRESS.size, (ADDRESS.size * ADDRESS.width) / Math.max(widest, 1)),
      );
      parent.add(
        doc.struct('P', {}, () => {
          doc
            .font('body')
            .fontSize(size)
            .text(lines.join('\n'), ADDRESS.x, ADDRESS.y, { width: ADDRESS.width, lineGap: 0.6 });
        }),
      );
    }
    if (section.meta?.length) {
      const lines = section.meta;
      parent.add(
        doc.struct('P', {}, () => {
          doc
            .font('body')
            .fontSize(10)
            .text(lines.join('\n'), RIGHT_COLUMN.x, 60 * MM, { width: RIGHT_COLUMN.width, lineGap: 1 });
        }),
      );
    }
    doc.x = MARGIN.left;
    doc.y = section.address?.length || section.sender?.length || section.meta?.length ? LETTER_BODY_TOP : MARGIN.top;

    let afterMap = false;
    for (const block of section.blocks) {
      if (afterMap && block.type !== 'map') {
        newPage();
        afterMap = false;
      }
      switch (block.type) {
        case 'h1':
        case 'h2': {
          const size = block.type === 'h1' ? sizes.h1 : sizes.h2;
          const atTop = () => doc.y === MARGIN.top || doc.y === LETTER_BODY_TOP;
          const top = atTop() ? 0 : size * 0.6;
          // keep a heading with the first lines after it
          room(top + heightOf(block.text, 'bold', size, contentWidth) + 3 * sizes.body * 1.4);
          if (!atTop()) doc.y += top;
          parent.add(
            doc.struct(block.type === 'h1' ? 'H1' : 'H2', {}, () => {
              doc
                .font('bold')
                .fontSize(size)
                .text(block.text, MARGIN.left, doc.y, { width: contentWidth, lineGap: sizes.gap });
            }),
          );
          doc.y += size * 0.35;
          break;
        }
        case 'p': {
          room(heightOf(block.text, 'body', sizes.body, contentWidth));
          parent.add(
            doc.struct('P', {}, () => {
              doc
                .font('body')
                .fontSize(sizes.body)
                .text(block.text, MARGIN.left, doc.y, { width: contentWidth, lineGap: sizes.gap });
            }),
          );
          doc.y += sizes.body * 0.75;
          break;
        }
        case 'list': {
          const L = doc.struct('L');
          parent.add(L);
          const indent = sizes.body * (block.ordered ? 2.2 : 1.5);
          for (const item of block.items) {
            room(heightOf(item.text, 'body', sizes.body, contentWidth - indent));
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
                  .text(item.text, MARGIN.left + indent, y, { width: contentWidth - indent, lineGap: sizes.gap });
              }),
            );
            li.end();
            doc.y += sizes.body * 0.3;
          }
          L.end();
          doc.y += sizes.body * 0.45;
          break;
        }
        case 'map': {
          if (!image || !input.map) break;
          newPage();
          mapPages.add(pageCount() - 1);
          // the sheet at its own size (widthPx / dpi inches), centred: true to scale when printed at actual size
          const w = (input.map.widthPx / input.map.dpi) * 72;
          const h = (input.map.heightPx / input.map.dpi) * 72;
          const scale = Math.min(1, A4.w / w, A4.h / h);
          const x = (A4.w - w * scale) / 2;
          const y = (A4.h - h * scale) / 2;
          const figure = {
            alt: input.map.alt,
            bbox: [x, y, x + w * scale, y + h * scale],
            placement: 'Block',
          } as PDFKit.Mixins.StructureElementOptions;
          parent.add(
            doc.struct('Figure', figure, () => {
              doc.image(image, x, y, { width: w * scale, height: h * scale });
            }),
          );
          afterMap = true;
          break;
        }
      }
    }
    if (parent !== root) parent.end();

    // footers: "Page 1 of 2" over the section's text pages (the map pages carry the sheet's own furniture)
    const range = doc.bufferedPageRange();
    const textPages = Array.from({ length: range.count }, (_, i) => range.start + i).filter((p) => !mapPages.has(p));
    textPages.forEach((p, i) => {
      doc.switchToPage(p);
      doc.markContent('Artifact', { type: 'Pagination' });
      doc.font('body').fontSize(8).fillColor('#505a5f');
      doc.text(section.footer, MARGIN.left, FOOTER_Y, { lineBreak: false });
      const label = `Page ${i + 1} of ${textPages.length}`;
      doc.text(label, A4.w - MARGIN.right - doc.widthOfString(label), FOOTER_Y, { lineBreak: false });
      doc.fillColor('#000000');
      doc.endMarkedContent();
    });
    doc.flushPages();
  }
  const pages = pageCount();
  root.end();
  doc.end();
  await ended;
  return { pdf: Buffer.concat(chunks), pages };
}
