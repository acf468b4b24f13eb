/** A minimal Mapbox Vector Tile (protobuf) decoder for tests: layers, features (id, type, properties) and their
 *  geometry as rings/lines/points in tile coordinates (x right, y down, 0..extent). */

export interface MvtFeature {
  id: number | undefined;
  type: 'Point' | 'LineString' | 'Polygon' | 'Unknown';
  properties: Record<string, string | number | boolean>;
  /** one array of [x, y] per MoveTo (each ring, line or point) */
  parts: Array<Array<[number, number]>>;
}
export interface MvtLayer {
  name: string;
  extent: number;
  version: number;
  features: MvtFeature[];
}

class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly end = buf.length,
  ) {}
  varint(): number {
    let result = 0;
    let shift = 1;
    for (;;) {
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 128;
    }
  }
  bytes(): Uint8Array {
    const n = this.varint();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wire: number) {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.pos += this.varint();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`wire type ${wire}`);
  }
  *fields(): Generator<[number, number]> {
    while (this.pos < this.end) {
      const key = this.varint();
      yield [key >> 3, key & 7];
    }
  }
}

const zigzag = (n: number) => (n % 2 === 1 ? -(n + 1) / 2 : n / 2);
const packed = (b: Uint8Array) => {
  const r = new Reader(b);
  const out: number[] = [];
  while (r.pos < b.length) out.push(r.varint());
  return out;
};
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function value(b: Uint8Array): string | number | boolean {
  const r = new Reader(b);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (const [field, wire] of r.fields()) {
    if (field === 1) return text(r.bytes());
    if (field === 2) return ((r.pos += 4), view.getFloat32(r.pos - 4, true));
    if (field === 3) return ((r.pos += 8), view.getFloat64(r.pos - 8, true));
    if (field === 4 || field === 5) return r.varint();
    if (field === 6) return zigzag(r.varint());
    if (field === 7) return r.varint() === 1;
    r.skip(wire);
  }
  throw new Error('empty value');
}

function geometry(cmds: number[]): Array<Array<[number, number]>> {
  const parts: Array<Array<[number, number]>> = [];
  let x = 0;
  let y = 0;
  let i = 0;
  while (i < cmds.length) {
    const c = cmds[i++]!;
    const id = c & 7;
    const count = c >> 3;
    if (id === 7) {
      const part = parts[parts.length - 1]!;
      part.push([...part[0]!]);
      continue;
    }
    for (let k = 0; k < count; k++) {
      x += zigzag(cmds[i++]!);
      y += zigzag(cmds[i++]!);
      if (id === 1) parts.push([[x, y]]);
      else parts[parts.length - 1]!.push([x, y]);
    }
  }
  return parts;
}

export function decodeMvt(buf: Uint8Array): MvtLayer[] {
  const layers: MvtLayer[] = [];
  const tile = new Reader(buf);
  for (const [field, wire] of tile.fields()) {
    if (field !== 3) {
      tile.skip(wire);
      continue;
    }
    const lr = new Reader(tile.bytes());
    const layer: MvtLayer = { name: '', extent: 4096, version: 1, features: [] };
    const keys: string[] = [];
    const values: Array<string | number | boolean> = [];
    const raw: Array<{ id?: number; tags: number[]; type: number; geom: number[] }> = [];
    for (const [f, w] of lr.fields()) {
      if (f === 1) layer.name = text(lr.bytes());
      else if (f === 15) layer.version = lr.varint();
      else if (f === 5) layer.extent = lr.varint();
      else if (f === 3) keys.push(text(lr.bytes()));
      else if (f === 4) values.push(value(lr.bytes()));
      else if (f === 2) {
        const fr = new Reader(lr.bytes());
        const feat: { id?: number; tags: number[]; type: number; geom: number[] } = { tags: [], type: 0, geom: [] };
        for (const [ff, fw] of fr.fields()) {
          if (ff === 1) feat.id = fr.varint();
          else if (ff === 2) feat.tags = packed(fr.bytes());
          else if (ff === 3) feat.type = fr.varint();
          else if (ff === 4) feat.geom = packed(fr.bytes());
          else fr.skip(fw);
        }
        raw.push(feat);
      } else lr.skip(w);
    }
    for (const f of raw) {
      const properties: Record<string, string | number | boolean> = {};
      for (let i = 0; i < f.tags.length; i += 2) properties[keys[f.tags[i]!]!] = values[f.tags[i + 1]!]!;
      layer.features.push({
        id: f.id,
        type: (['Unknown', 'Point', 'LineString', 'Polygon'] as const)[f.type] ?? 'Unknown',
        properties,
        parts: geometry(f.geom),
      });
    }
    layers.push(layer);
  }
  return layers;
}
