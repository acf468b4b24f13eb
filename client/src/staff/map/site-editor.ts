/**
 * The site panel (#site-panel): plot a case's red line by mouse, keyboard, property, typed coordinates or file;
 * every edit undoable; refused while drawing when a vertex would make the ring cross itself; saved through the
 * existing intake (PUT /api/cases/:id/site with If-Match), whose errors are shown at their location and in text;
 * earlier boundaries listed and shown on the map to compare. Enforcement cases can also be placed at a point.
 *
 * Keyboard (map focused): arrows pan (Shift: finer), + / - zoom, Enter places a vertex at the crosshair (on the
 * first vertex it closes the ring), Delete or Backspace removes the last vertex, Escape cancels the shape,
 * Ctrl+Z undoes, Ctrl+Y or Ctrl+Shift+Z redoes.
 */
import Feature from 'ol/Feature.js';
import Polygon from 'ol/geom/Polygon.js';
import LineString from 'ol/geom/LineString.js';
import Point from 'ol/geom/Point.js';
import Style from 'ol/style/Style.js';
import Stroke from 'ol/style/Stroke.js';
import Fill from 'ol/style/Fill.js';
import CircleStyle from 'ol/style/Circle.js';
import Text from 'ol/style/Text.js';
import Interaction from 'ol/interaction/Interaction.js';
import Snap from 'ol/interaction/Snap.js';
import Modify from 'ol/interaction/Modify.js';
import VectorSource from 'ol/source/Vector.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import { containsCoordinate } from 'ol/extent.js';
import type MapBrowserEvent from 'ol/MapBrowserEvent.js';
import { parseVertexList } from '../../../../shared/place.ts';
import { el, type StaffMapInternal } from './index.ts';
import {
  crossingIfAppended,
  locationOf,
  tracePath,
  crossingIfClosed,
  formatAreaText,
  multiPolygonArea,
  pointInRing,
  polysFromGeoJson,
  ringArea,
  ringSelfIntersection,
  ringsIntersection,
  sitePolygonsProblem,
  toMultiPolygon,
  unionSharedEdges,
  UndoStack,
  vertexCount,
  type Poly,
  type Pt,
  type Ring,
} from './geom.ts';

type SiteSource = 'drawn' | 'imported' | 'property' | 'amended';
type Tool = 'draw' | 'hole' | 'modify' | 'take' | 'point' | null;

interface EditorState {
  polys: Poly[];
  draft: { kind: 'part' | 'hole'; points: Pt[] } | null;
  taken: Array<{ reference: string; polys: Poly[] }>;
  source: SiteSource;
}

interface ApiError {
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
}

const clone = (s: EditorState): EditorState => JSON.parse(JSON.stringify(s)) as EditorState;
const CLOSE_PX = 10;

export interface SiteEditorOptions {
  caseId: number;
  kind?: 'application' | 'enforcement' | string;
  version?: number | null;
}

export async function mountSiteEditor(sm: StaffMapInternal, panel: HTMLElement, opts: SiteEditorOptions) {
  const { map } = sm;
  const caseUrl = `/api/cases/${opts.caseId}`;
  let version: number | null = opts.version ?? null;
  let kind = opts.kind;
  let savedPolys: Poly[] | null = null;

  // ---- layers
  const siteLayer = sm.overlay('site');
  const siteSource = siteLayer.getSource()!;
  siteLayer.setStyle(
    new Style({
      stroke: new Stroke({ color: '#d4351c', width: 3 }),
      fill: new Fill({ color: 'rgba(212,53,28,0.08)' }),
    }),
  );
  const history = sm.overlay('site-history');
  history.setStyle(
    new Style({
      stroke: new Stroke({ color: '#1d70b8', width: 3, lineDash: [8, 6] }),
      fill: new Fill({ color: 'rgba(29,112,184,0.06)' }),
    }),
  );
  const draftLayer = sm.overlay('site-draft');
  const draftSource = draftLayer.getSource()!;
  draftLayer.setStyle((f) => {
    const role = f.get('role') as string;
    if (role === 'line') return new Style({ stroke: new Stroke({ color: '#d4351c', width: 2 }) });
    if (role === 'rubber') return new Style({ stroke: new Stroke({ color: '#d4351c', width: 1.5, lineDash: [4, 4] }) });
    const first = role === 'first';
    return new Style({
      image: new CircleStyle({
        radius: first ? 7 : 4,
        fill: new Fill({ color: first ? '#ffdd00' : '#ffffff' }),
        stroke: new Stroke({ color: '#d4351c', width: 2 }),
      }),
    });
  });
  const problems = sm.overlay('site-problems');
  const problemSource = problems.getSource()!;
  problems.setStyle(
    (f) =>
      new Style({
        image: new CircleStyle({
          radius: 9,
          fill: new Fill({ color: '#d4351c' }),
          stroke: new Stroke({ color: '#ffffff', width: 2 }),
        }),
        text: new Text({
          text: String(f.get('label') ?? '!'),
          offsetY: -20,
          font: 'bold 14px arial, sans-serif',
          fill: new Fill({ color: '#0b0c0c' }),
          stroke: new Stroke({ color: '#ffffff', width: 4 }),
        }),
      }),
  );
  const locationLayer = sm.overlay('case-location');
  locationLayer.setStyle(
    new Style({
      image: new CircleStyle({
        radius: 8,
        fill: new Fill({ color: '#d4351c' }),
        stroke: new Stroke({ color: '#ffffff', width: 3 }),
      }),
    }),
  );

  // ---- state and history
  const empty: EditorState = { polys: [], draft: null, taken: [], source: 'drawn' };
  const stack = new UndoStack<EditorState>(clone(empty));
  const state = () => stack.current;
  const commit = (next: EditorState) => {
    stack.push(clone(next));
    // "Saved" no longer describes the site once it changes
    if (saveStatus.textContent?.startsWith('Saved')) saveStatus.textContent = 'Changed since it was saved.';
    render();
  };

  // ---- panel
  const btn = (id: string, text: string, cls = 'govuk-button--secondary') =>
    el('button', {
      type: 'button',
      id,
      class: `govuk-button ${cls} govuk-!-margin-bottom-2 govuk-!-margin-right-1`,
      'data-module': 'govuk-button',
      text,
    });
  const drawBtn = btn('site-draw', 'Draw a part');
  const holeBtn = btn('site-hole', 'Draw a hole');
  const finishBtn = btn('site-finish', 'Finish shape');
  const cancelBtn = btn('site-cancel', 'Cancel shape');
  const modifyBtn = btn('site-modify', 'Edit vertices');
  const takeBtn = btn('site-take', 'Take a property');
  const undoBtn = btn('site-undo', 'Undo');
  const redoBtn = btn('site-redo', 'Redo');
  const clearBtn = btn('site-clear', 'Clear the site', 'govuk-button--warning');
  for (const b of [drawBtn, holeBtn, modifyBtn, takeBtn]) b.setAttribute('aria-pressed', 'false');
  undoBtn.setAttribute('aria-keyshortcuts', 'Control+Z');
  redoBtn.setAttribute('aria-keyshortcuts', 'Control+Y');

  const traceBox = el('input', { class: 'govuk-checkboxes__input', type: 'checkbox', id: 'site-trace' });
  const traceItem = el(
    'div',
    { class: 'govuk-checkboxes govuk-checkboxes--small govuk-!-margin-bottom-2' },
    el(
      'div',
      { class: 'govuk-checkboxes__item' },
      traceBox,
      el('label', {
        class: 'govuk-label govuk-checkboxes__label',
        for: 'site-trace',
        text: 'Trace along outlines: two vertices in a row on the same property or constraint outline follow it',
      }),
    ),
  );
  const areaText = el('p', {
    class: 'govuk-body govuk-!-font-weight-bold',
    id: 'site-area',
    text: 'No site plotted yet.',
  });
  const toolStatus = el('p', { class: 'govuk-body-s', id: 'site-tool-status', role: 'status' });
  const message = el('div', { class: 'redline-site__message govuk-body-s', id: 'site-message', role: 'alert' });

  const coordsArea = el('textarea', {
    class: 'govuk-textarea govuk-!-margin-bottom-2',
    id: 'site-coordinates',
    name: 'coordinates',
    rows: '6',
    spellcheck: 'false',
    'aria-describedby': 'site-coordinates-hint',
  });
  const coordsAdd = el('input', { class: 'govuk-checkboxes__input', type: 'checkbox', id: 'site-coordinates-add' });
  const coordsUse = btn('site-coordinates-use', 'Use these coordinates');
  const coordsDetails = el(
    'details',
    { class: 'govuk-details', id: 'site-coordinates-details' },
    el(
      'summary',
      { class: 'govuk-details__summary' },
      el('span', { class: 'govuk-details__summary-text', text: 'Type or paste coordinates' }),
    ),
    el(
      'div',
      { class: 'govuk-details__text' },
      el('label', { class: 'govuk-label', for: 'site-coordinates', text: 'Vertices of the site, one a line' }),
      el('div', {
        class: 'govuk-hint',
        id: 'site-coordinates-hint',
        text: 'An easting and northing (532525 179850) or a grid reference (TQ 32525 79850) on each line, in order round the site.',
      }),
      coordsArea,
      el(
        'div',
        { class: 'govuk-checkboxes govuk-checkboxes--small govuk-!-margin-bottom-2' },
        el(
          'div',
          { class: 'govuk-checkboxes__item' },
          coordsAdd,
          el('label', {
            class: 'govuk-label govuk-checkboxes__label',
            for: 'site-coordinates-add',
            text: 'Add as another part (keep the site drawn so far)',
          }),
        ),
      ),
      coordsUse,
    ),
  );

  const fileInput = el('input', {
    class: 'govuk-file-upload',
    type: 'file',
    id: 'site-file',
    name: 'file',
    accept: '.geojson,.json,.kml,.zip,.gpkg,.dxf',
  });
  const importBtn = btn('site-import', 'Import the file');
  const importReport = el('div', { class: 'govuk-body-s', id: 'site-import-report', role: 'status' });
  const fileDetails = el(
    'details',
    { class: 'govuk-details', id: 'site-file-details' },
    el(
      'summary',
      { class: 'govuk-details__summary' },
      el('span', { class: 'govuk-details__summary-text', text: 'Import a file' }),
    ),
    el(
      'div',
      { class: 'govuk-details__text' },
      el('label', { class: 'govuk-label', for: 'site-file', text: 'A site boundary file' }),
      el('div', { class: 'govuk-hint', text: 'GeoJSON, KML, zipped Shapefile, GeoPackage or DXF' }),
      fileInput,
      importBtn,
      importReport,
    ),
  );

  const noteInput = el('input', {
    class: 'govuk-input',
    id: 'site-note',
    name: 'note',
    type: 'text',
    maxlength: '1000',
  });
  const saveBtn = btn('site-save', 'Save the site', '');
  const repairBtn = btn('site-save-repair', 'Save and let Redline repair the boundary');
  repairBtn.hidden = true;
  const errorSummary = el('div', { class: 'govuk-error-summary', id: 'site-errors', tabindex: '-1' });
  errorSummary.hidden = true;
  const saveStatus = el('p', { class: 'govuk-body-s', id: 'site-save-status', role: 'status' });

  const historyList = el('div', { id: 'site-history-list' });
  const historyLoad = btn('site-history-load', 'List earlier boundaries');
  const historyHide = btn('site-history-hide', 'Stop comparing');
  historyHide.hidden = true;
  const historyDetails = el(
    'details',
    { class: 'govuk-details', id: 'site-history' },
    el(
      'summary',
      { class: 'govuk-details__summary' },
      el('span', { class: 'govuk-details__summary-text', text: 'Site history' }),
    ),
    el('div', { class: 'govuk-details__text' }, historyLoad, historyHide, historyList),
  );

  const pointBtn = btn('site-place-point', 'Place the location');
  pointBtn.setAttribute('aria-pressed', 'false');
  const pointSave = btn('site-save-location', 'Save the location', '');
  pointSave.disabled = true;
  const pointText = el('p', { class: 'govuk-body-s', id: 'site-location', text: 'No location set.' });
  const pointBox = el(
    'div',
    { class: 'redline-site__location', id: 'site-location-box' },
    el('h3', { class: 'govuk-heading-s', text: 'Location (a point)' }),
    pointText,
    pointBtn,
    pointSave,
  );
  pointBox.hidden = true;
  let pendingPoint: Pt | null = null;

  panel.replaceChildren(
    el('h2', { class: 'govuk-heading-m', id: 'site-panel-heading', text: 'Site' }),
    areaText,
    el(
      'div',
      { class: 'redline-site__tools', role: 'group', 'aria-label': 'Site drawing tools' },
      drawBtn,
      holeBtn,
      finishBtn,
      cancelBtn,
      modifyBtn,
      takeBtn,
      undoBtn,
      redoBtn,
      clearBtn,
    ),
    traceItem,
    toolStatus,
    message,
    el('p', {
      class: 'govuk-hint govuk-!-font-size-16',
      id: 'site-keyboard-help',
      text: 'Keyboard: focus the map, then Enter places a vertex at the crosshair (on the first vertex it closes the shape), arrows move the map (Shift: finer), Delete removes the last vertex, Escape cancels, Ctrl+Z undoes, Ctrl+Y redoes.',
    }),
    coordsDetails,
    fileDetails,
    errorSummary,
    el(
      'div',
      { class: 'govuk-form-group' },
      el('label', { class: 'govuk-label', for: 'site-note', text: 'Note about this boundary (optional)' }),
      noteInput,
    ),
    saveBtn,
    repairBtn,
    saveStatus,
    pointBox,
    historyDetails,
  );

  // ---- helpers
  const say = (text: string) => {
    message.textContent = text;
  };
  const markProblem = (at: Pt | null, label: string) => {
    problemSource.clear();
    if (at) {
      const f = new Feature(new Point(at));
      f.set('label', label);
      problemSource.addFeature(f);
    }
  };
  const refuse = (text: string, at: Pt | null) => {
    say(text + (at ? ` (at E ${at[0].toFixed(2)} N ${at[1].toFixed(2)})` : ''));
    markProblem(at, '✕');
    message.classList.add('redline-site__message--error');
    sm.describePart('site-problem', text);
  };
  const clearProblem = () => {
    say('');
    message.classList.remove('redline-site__message--error');
    problemSource.clear();
    sm.describePart('site-problem', null);
  };

  // ---- tools
  let tool: Tool = null;
  const setTool = (t: Tool) => {
    tool = t;
    sm.setTool(t);
    drawBtn.setAttribute('aria-pressed', String(t === 'draw'));
    holeBtn.setAttribute('aria-pressed', String(t === 'hole'));
    modifyBtn.setAttribute('aria-pressed', String(t === 'modify'));
    takeBtn.setAttribute('aria-pressed', String(t === 'take'));
    pointBtn.setAttribute('aria-pressed', String(t === 'point'));
    modify.setActive(t === 'modify');
    sm.target.classList.toggle('redline-map--drawing', t === 'draw' || t === 'hole' || t === 'point' || t === 'take');
    void loadSnapFeatures();
    render();
  };

  const toolDescription = (): string => {
    const d = state().draft;
    switch (tool) {
      case 'draw':
      case 'hole':
        return `Tool: drawing ${tool === 'hole' ? 'a hole' : 'a part'}; ${d?.points.length ?? 0} ${d?.points.length === 1 ? 'vertex' : 'vertices'} placed. Click the map or press Enter to place a vertex at the crosshair; finish on the first vertex or with Finish shape.`;
      case 'modify':
        return 'Tool: editing vertices. Drag a vertex or an edge to move or add one; Alt+click removes one.';
      case 'take':
        return 'Tool: taking properties. Click a property outline (or press Enter at the crosshair) to add it to the site; again to remove it.';
      case 'point':
        return 'Tool: placing the location. Click the map or press Enter at the crosshair.';
      default:
        return 'Tool: none (the map can be moved).';
    }
  };

  const render = () => {
    const s = state();
    siteSource.clear();
    s.polys.forEach((p, i) => {
      const f = new Feature(new Polygon(toMultiPolygon([p]).coordinates[0]!));
      f.set('part', i);
      siteSource.addFeature(f);
    });
    draftSource.clear();
    if (s.draft && s.draft.points.length) {
      const pts = s.draft.points;
      if (pts.length > 1) draftSource.addFeature(new Feature({ geometry: new LineString(pts), role: 'line' }));
      pts.forEach((p, i) =>
        draftSource.addFeature(new Feature({ geometry: new Point(p), role: i === 0 ? 'first' : 'vertex' })),
      );
    }
    rubber = null;
    // the area, live
    const area = multiPolygonArea(s.polys);
    const parts = s.polys.length;
    const holes = s.polys.reduce((n, p) => n + p.length - 1, 0);
    const verts = vertexCount(s.polys);
    let text = parts
      ? `Site area: ${formatAreaText(area)}; ${parts} ${parts === 1 ? 'part' : 'parts'}${holes ? `, ${holes} ${holes === 1 ? 'hole' : 'holes'}` : ''}, ${verts} vertices.`
      : 'No site plotted yet.';
    if (s.draft && s.draft.points.length >= 3) {
      text += ` Shape being drawn: ${formatAreaText(ringArea(s.draft.points))}.`;
    }
    areaText.textContent = text;
    sm.describePart(
      'site',
      text + (s.taken.length ? ` Taken from properties: ${s.taken.map((t) => t.reference).join(', ')}.` : ''),
    );
    sm.describePart('tool', toolDescription());
    toolStatus.textContent = toolDescription();
    undoBtn.disabled = !stack.canUndo;
    redoBtn.disabled = !stack.canRedo;
    finishBtn.disabled = !(s.draft && s.draft.points.length >= 3);
    cancelBtn.disabled = !s.draft;
    holeBtn.disabled = s.polys.length === 0;
    clearBtn.disabled = s.polys.length === 0 && !s.draft;
    saveBtn.disabled = s.polys.length === 0;
  };

  // ---- drawing
  const startDraft = (k: 'part' | 'hole') => {
    clearProblem();
    const s = clone(state());
    if (!s.draft || s.draft.kind !== k) {
      s.draft = { kind: k, points: [] };
      commit(s);
    }
    setTool(k === 'hole' ? 'hole' : 'draw');
  };

  /** The vertices of a true outline (snapping data) that both the last vertex and p lie on, between them. */
  const traceFrom = (last: Pt | undefined, p: Pt): Pt[] => {
    if (!last) return [];
    const tol = Math.max(0.001, (map.getView().getResolution() ?? 1) * 0.5);
    let best: Pt[] | null = null;
    for (const f of snapSource.getFeaturesInExtent([p[0] - tol, p[1] - tol, p[0] + tol, p[1] + tol])) {
      for (const ring of polysFromGeoJson(geojson.writeGeometryObject(f.getGeometry()!) as never).flat()) {
        const path = tracePath(ring, last, p, tol);
        if (path && (best === null || path.length < best.length)) best = path;
      }
    }
    return best ?? [];
  };

  const addVertex = (p: Pt) => {
    const s = clone(state());
    if (!s.draft) s.draft = { kind: tool === 'hole' ? 'hole' : 'part', points: [] };
    const pts = s.draft.points;
    // on the first vertex: close the ring
    if (pts.length >= 3) {
      const px = map.getPixelFromCoordinate(pts[0]!);
      const pp = map.getPixelFromCoordinate(p);
      if (px && pp && Math.hypot(px[0]! - pp[0]!, px[1]! - pp[1]!) <= CLOSE_PX) return finish();
    }
    const add = [...(traceBox.checked ? traceFrom(pts[pts.length - 1], p) : []), p];
    for (const q of add) {
      const hit = crossingIfAppended(pts, q);
      if (hit) return refuse('That vertex would make the outline cross itself, so it was not placed.', hit);
      pts.push(q);
    }
    clearProblem();
    commit(s);
    if (add.length > 1) say(`Traced ${add.length - 1} ${add.length === 2 ? 'vertex' : 'vertices'} along the outline.`);
  };

  const removeLastVertex = () => {
    const s = clone(state());
    if (!s.draft || !s.draft.points.length) return;
    s.draft.points.pop();
    clearProblem();
    commit(s);
  };

  const cancelDraft = () => {
    const s = clone(state());
    if (!s.draft) {
      setTool(null);
      return;
    }
    s.draft = null;
    clearProblem();
    commit(s);
    setTool(null);
    say('The shape being drawn was cancelled.');
  };

  const finish = () => {
    const s = clone(state());
    const d = s.draft;
    if (!d || d.points.length < 3) return refuse('A shape needs at least 3 vertices.', null);
    const ring: Ring = d.points;
    const x = crossingIfClosed(ring) ?? ringSelfIntersection(ring);
    if (x) return refuse('Closing the shape here would make the outline cross itself.', x);
    if (ringArea(ring) === 0) return refuse('The shape has no area.', ring[0]!);
    if (d.kind === 'hole') {
      const owner = s.polys.findIndex((p) => ring.every((v) => pointInRing(v, p[0]!)));
      if (owner < 0) return refuse('A hole must lie inside a part of the site.', ring[0]!);
      s.polys[owner]!.push(ring);
    } else {
      for (let i = 0; i < s.polys.length; i++) {
        const outer = s.polys[i]![0]!;
        const y = ringsIntersection(ring, outer);
        if (y)
          return refuse(
            `The new part crosses or touches part ${i + 1}. Parts of a site must be apart; edit the existing part instead.`,
            y,
          );
        if (pointInRing(ring[0]!, outer))
          return refuse(`The new part is inside part ${i + 1}. To cut it out, draw a hole instead.`, ring[0]!);
        if (pointInRing(outer[0]!, ring)) return refuse(`The new part would contain part ${i + 1}.`, outer[0]!);
      }
      s.polys.push([ring]);
    }
    const problem = sitePolygonsProblem(s.polys);
    if (problem) return refuse(problem.message, problem.at);
    s.draft = null;
    s.taken = [];
    s.source = savedPolys ? 'amended' : 'drawn';
    clearProblem();
    commit(s);
    setTool(null);
    say(d.kind === 'hole' ? 'The hole was added.' : 'The part was added to the site.');
  };

  // ---- taking properties
  const takeAt = async (p: Pt) => {
    say('Finding the property…');
    type PropertyFeature = { geometry?: { type: string; coordinates: unknown }; properties?: { reference?: string } };
    let feature: PropertyFeature | null;
    try {
      const res = await fetch(`/api/properties/at?x=${p[0].toFixed(3)}&y=${p[1].toFixed(3)}`, {
        credentials: 'same-origin',
        headers: { accept: 'application/json' },
      });
      if (res.status === 404) return refuse('There is no property outline here.', p);
      if (!res.ok) return refuse(`The property could not be found (the server answered ${res.status}).`, p);
      feature = (await res.json()) as PropertyFeature;
    } catch {
      return refuse('The property service did not answer.', p);
    }
    const polys = polysFromGeoJson(feature?.geometry);
    if (!polys.length) return refuse('That property has no outline.', p);
    const reference = feature?.properties?.reference ?? `E ${Math.round(p[0])} N ${Math.round(p[1])}`;
    const s = clone(state());
    const i = s.taken.findIndex((t) => t.reference === reference);
    let verb: string;
    if (i >= 0) {
      s.taken.splice(i, 1);
      verb = `Property ${reference} was removed from the site.`;
    } else {
      s.taken.push({ reference, polys });
      verb =
        s.taken.length === 1
          ? `The site is now property ${reference}.`
          : `Property ${reference} was added to the site.`;
    }
    const all = s.taken.flatMap((t) => t.polys);
    s.polys = unionSharedEdges(all) ?? all;
    s.draft = null;
    s.source = 'property';
    clearProblem();
    commit(s);
    say(verb);
  };

  // ---- enforcement location
  const placePoint = (p: Pt) => {
    pendingPoint = p;
    locationLayer.getSource()!.clear();
    locationLayer.getSource()!.addFeature(new Feature(new Point(p)));
    pointText.textContent = `Location to save: E ${p[0].toFixed(2)} N ${p[1].toFixed(2)}.`;
    pointSave.disabled = false;
    sm.describePart(
      'location',
      `Case location placed at easting ${Math.round(p[0])}, northing ${Math.round(p[1])} (not saved yet).`,
    );
  };

  const handleAt = (p: Pt) => {
    if (tool === 'draw' || tool === 'hole') addVertex(p);
    else if (tool === 'take') void takeAt(p);
    else if (tool === 'point') placePoint(p);
  };

  // ---- interactions: ours first, then Snap (added later, so it sees events first and moves their coordinate)
  let rubber: Feature<LineString> | null = null;
  const drawInteraction = new Interaction({
    handleEvent: (e: MapBrowserEvent) => {
      if (!tool || tool === 'modify') return true;
      if (e.type === 'click') {
        handleAt([e.coordinate[0]!, e.coordinate[1]!]);
        return false;
      }
      if (e.type === 'pointermove' && (tool === 'draw' || tool === 'hole')) {
        const d = state().draft;
        const last = d?.points[d.points.length - 1];
        if (last) {
          const line: Pt[] = [last, [e.coordinate[0]!, e.coordinate[1]!]];
          if (!rubber) {
            rubber = new Feature({ geometry: new LineString(line), role: 'rubber' });
            draftSource.addFeature(rubber);
          } else rubber.getGeometry()!.setCoordinates(line);
        }
      }
      if (e.type === 'dblclick') return false;
      return true;
    },
  });
  map.addInteraction(drawInteraction);
  const modify = new Modify({ source: siteSource, pixelTolerance: 10 });
  modify.setActive(false);
  map.addInteraction(modify);
  modify.on('modifyend', () => {
    const polys: Poly[] = [];
    for (const f of siteSource.getFeatures()) {
      const g = f.getGeometry();
      if (g instanceof Polygon)
        polys[Number(f.get('part'))] = polysFromGeoJson({ type: 'Polygon', coordinates: g.getCoordinates() })[0]!;
    }
    const problem = sitePolygonsProblem(polys);
    if (problem) {
      render(); // put the outline back as it was
      return refuse(`${problem.message} The change was not made.`, problem.at);
    }
    const s = clone(state());
    s.polys = polys;
    s.taken = [];
    s.source = savedPolys ? 'amended' : 'drawn';
    clearProblem();
    commit(s);
  });

  // true geometries for snapping (never the tiles' clipped ones): GET /api/features for the view
  const snapSource = new VectorSource();
  const snapTrue = new Snap({ source: snapSource, pixelTolerance: 10 });
  const snapSite = new Snap({ source: siteSource, pixelTolerance: 10 });
  const snapDraft = new Snap({ source: draftSource, pixelTolerance: 10, edge: false });
  map.addInteraction(snapTrue);
  map.addInteraction(snapSite);
  map.addInteraction(snapDraft);
  const geojson = new GeoJSON({ dataProjection: 'EPSG:27700', featureProjection: 'EPSG:27700' });
  let snapSeq = 0;
  let snapKey = '';
  const loadSnapFeatures = async () => {
    if (!tool || tool === 'point') return;
    const view = map.getView();
    const extent = view.calculateExtent(map.getSize());
    if ((view.getResolution() ?? 99) > 2 || extent[2]! - extent[0]! > 3000) return;
    const pad = (extent[2]! - extent[0]!) * 0.25;
    const bbox = [extent[0]! - pad, extent[1]! - pad, extent[2]! + pad, extent[3]! + pad]
      .map((v) => v.toFixed(1))
      .join(',');
    const ids = map
      .getLayers()
      .getArray()
      .filter(
        (l) => l.get('kind') !== undefined && l.getVisible() && l.get('id') !== 'addresses' && l.get('id') !== 'cases',
      )
      .map((l) => String(l.get('id')));
    if (!ids.includes('properties')) ids.unshift('properties');
    const key = `${bbox}|${ids.join(',')}`;
    if (key === snapKey) return;
    snapKey = key;
    const mine = ++snapSeq;
    try {
      const res = await fetch(`/api/features?bbox=${bbox}&layers=${ids.map(encodeURIComponent).join(',')}`, {
        credentials: 'same-origin',
      });
      if (!res.ok || mine !== snapSeq) return;
      const fc = (await res.json()) as object;
      snapSource.clear();
      snapSource.addFeatures(
        geojson.readFeatures(fc, { dataProjection: 'EPSG:27700', featureProjection: 'EPSG:27700' }),
      );
    } catch {
      /* snapping to data is a help, not a need */
    }
  };
  map.on('moveend', () => void loadSnapFeatures());

  const snapped = (c: Pt): Pt => {
    const px = map.getPixelFromCoordinate(c);
    if (!px) return c;
    for (const s of [snapDraft, snapSite, snapTrue]) {
      const r = s.snapTo(px, c, map);
      if (r?.vertex) return [r.vertex[0]!, r.vertex[1]!];
    }
    return c;
  };

  // ---- keyboard on the map
  sm.target.addEventListener('keydown', (e) => {
    if (e.target !== sm.target) return;
    if (e.key === 'Enter' && tool && tool !== 'modify') {
      const c = map.getView().getCenter();
      if (c) handleAt(snapped([c[0]!, c[1]!]));
      e.preventDefault();
    } else if ((e.key === 'Delete' || e.key === 'Backspace') && state().draft) {
      removeLastVertex();
      e.preventDefault();
    } else if (e.key === 'Escape' && (tool || state().draft)) {
      cancelDraft();
      e.preventDefault();
    }
  });
  // after undo or redo the tool follows the state: drawing while there is a shape being drawn
  const syncTool = () => {
    const d = state().draft;
    if (d) setTool(d.kind === 'hole' ? 'hole' : 'draw');
    else if (tool === 'draw' || tool === 'hole') setTool(null);
    else render();
  };
  const undo = () => {
    if (stack.undo()) {
      clearProblem();
      syncTool();
      say('Undone.');
    }
  };
  const redo = () => {
    if (stack.redo()) {
      clearProblem();
      syncTool();
      say('Redone.');
    }
  };
  document.addEventListener('keydown', (e) => {
    if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
    const t = e.target as HTMLElement | null;
    // text boxes keep their own undo
    if (t && (t.tagName === 'TEXTAREA' || (t.tagName === 'INPUT' && (t as HTMLInputElement).type === 'text'))) return;
    if (!(t === sm.target || sm.target.contains(t) || panel.contains(t) || t === document.body)) return;
    const k = e.key.toLowerCase();
    if (k === 'z' && !e.shiftKey) {
      undo();
      e.preventDefault();
    } else if (k === 'y' || (k === 'z' && e.shiftKey)) {
      redo();
      e.preventDefault();
    }
  });

  // ---- buttons
  const focusMap = () => sm.target.focus({ preventScroll: true });
  drawBtn.addEventListener('click', () => {
    if (tool === 'draw') return cancelDraft();
    startDraft('part');
    focusMap();
  });
  holeBtn.addEventListener('click', () => {
    if (tool === 'hole') return cancelDraft();
    startDraft('hole');
    focusMap();
  });
  finishBtn.addEventListener('click', finish);
  cancelBtn.addEventListener('click', cancelDraft);
  modifyBtn.addEventListener('click', () => setTool(tool === 'modify' ? null : 'modify'));
  takeBtn.addEventListener('click', () => {
    setTool(tool === 'take' ? null : 'take');
    if (tool) focusMap();
  });
  pointBtn.addEventListener('click', () => {
    setTool(tool === 'point' ? null : 'point');
    if (tool) focusMap();
  });
  undoBtn.addEventListener('click', undo);
  redoBtn.addEventListener('click', redo);
  clearBtn.addEventListener('click', () => {
    commit({ polys: [], draft: null, taken: [], source: 'drawn' });
    setTool(null);
    say('The site was cleared (Undo brings it back).');
  });

  coordsUse.addEventListener('click', () => {
    const parsed = parseVertexList(coordsArea.value);
    if (!parsed.ok) return refuse(parsed.message, null);
    const ring = parsed.vertices;
    const x = ringSelfIntersection(ring);
    if (x) return refuse('The outline from these coordinates crosses itself.', x);
    const s = clone(state());
    s.polys = coordsAdd.checked ? [...s.polys, [ring]] : [[ring]];
    const problem = sitePolygonsProblem(s.polys);
    if (problem) return refuse(problem.message, problem.at);
    s.draft = null;
    s.taken = [];
    s.source = savedPolys ? 'amended' : 'drawn';
    clearProblem();
    commit(s);
    fitSite();
    say(`The site was drawn from ${ring.length} typed vertices.`);
  });

  importBtn.addEventListener('click', async () => {
    const file = fileInput.files?.[0];
    if (!file) return refuse('Choose a file to import.', null);
    importReport.textContent = 'Converting the file…';
    try {
      const res = await fetch(`/api/geometry/convert?filename=${encodeURIComponent(file.name)}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/octet-stream', accept: 'application/json' },
        body: file,
      });
      const body = (await res.json().catch(() => null)) as {
        geometry?: { type: string; coordinates: unknown };
        found?: { layers?: unknown; features?: number; geometryTypes?: string[]; crs?: string };
        warnings?: string[];
        error?: ApiError;
      } | null;
      if (!res.ok || !body?.geometry) {
        importReport.textContent = '';
        return showServerError(
          body?.error ?? { message: `The file could not be read (the server answered ${res.status}).` },
        );
      }
      const polys = polysFromGeoJson(body.geometry);
      const s = clone(state());
      s.polys = polys;
      s.draft = null;
      s.taken = [];
      s.source = 'imported';
      commit(s);
      fitSite();
      const f = body.found;
      const layers = Array.isArray(f?.layers) ? f.layers.length : f?.layers;
      importReport.textContent =
        `Imported ${file.name}: ${f?.features ?? '?'} features${layers !== undefined ? ` in ${String(layers)} layer(s)` : ''}` +
        `${f?.geometryTypes?.length ? ` (${f.geometryTypes.join(', ')})` : ''}${f?.crs ? `, coordinates in ${f.crs}` : ''}.` +
        (body.warnings?.length ? ` Warnings: ${body.warnings.join(' ')}` : '');
      clearProblem();
    } catch {
      importReport.textContent = 'The file could not be sent.';
    }
  });

  // ---- saving
  const showServerError = (err: ApiError) => {
    const at = locationOf(err.details);
    errorSummary.hidden = false;
    errorSummary.replaceChildren(
      el(
        'div',
        { role: 'alert' },
        el('h2', { class: 'govuk-error-summary__title', text: 'There is a problem with the site' }),
        el(
          'div',
          { class: 'govuk-error-summary__body' },
          el(
            'ul',
            { class: 'govuk-list govuk-error-summary__list' },
            el(
              'li',
              {},
              el('a', { href: '#staff-map', id: 'site-error-text', text: err.message ?? 'The site was refused.' }),
            ),
          ),
        ),
      ),
    );
    errorSummary.dataset.code = err.code ?? '';
    markProblem(at, err.code === 'VERSION_CONFLICT' ? '' : '!');
    if (at && !containsCoordinate(map.getView().calculateExtent(map.getSize()), at)) map.getView().setCenter(at);
    sm.describePart(
      'site-problem',
      `Problem: ${err.message ?? err.code ?? 'refused'}${at ? ` at easting ${Math.round(at[0])}, northing ${Math.round(at[1])}` : ''}.`,
    );
    errorSummary.focus();
  };
  const hideServerError = () => {
    errorSummary.hidden = true;
    errorSummary.replaceChildren();
    repairBtn.hidden = true;
  };

  const ensureVersion = async () => {
    if (version !== null) return;
    const res = await fetch(caseUrl, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (res.ok) version = ((await res.json()) as { version: number }).version;
  };

  const save = async (repair: boolean) => {
    const s = state();
    if (s.draft) return refuse('Finish or cancel the shape being drawn before saving.', s.draft.points[0] ?? null);
    if (!s.polys.length) return refuse('Plot the site before saving.', null);
    hideServerError();
    saveStatus.textContent = 'Saving…';
    saveBtn.disabled = true;
    try {
      await ensureVersion();
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
      if (version !== null) headers['if-match'] = `"v${version}"`;
      const note = noteInput.value.trim();
      const res = await fetch(`${caseUrl}/site${repair ? '?repair=true' : ''}`, {
        method: 'PUT',
        credentials: 'same-origin',
        headers,
        body: JSON.stringify({
          geometry: toMultiPolygon(s.polys),
          crs: 'EPSG:27700',
          source: s.source,
          ...(note ? { note } : {}),
        }),
      });
      const body = (await res.json().catch(() => null)) as {
        version?: number;
        site?: {
          areaM2?: number;
          geometry?: { type: string; coordinates: unknown };
          repair?: { changes?: string[] } | null;
        };
        error?: ApiError;
      } | null;
      if (!res.ok) {
        saveStatus.textContent = '';
        showServerError(body?.error ?? { message: `The site was not saved (the server answered ${res.status}).` });
        if (body?.error?.code === 'INVALID_GEOMETRY') repairBtn.hidden = false;
        return;
      }
      version = body?.version ?? (version !== null ? version + 1 : null);
      if (version !== null) sm.target.dataset.caseVersion = String(version);
      savedPolys = s.polys;
      const repaired = body?.site?.repair?.changes?.length
        ? ` Redline repaired it: ${body.site.repair.changes.join('; ')}.`
        : '';
      saveStatus.textContent = `Saved. The site's area is ${formatAreaText(body?.site?.areaM2 ?? multiPolygonArea(s.polys))}.${repaired}`;
      noteInput.value = '';
      sm.emit('site-saved', body);
      if (historyList.childElementCount) void loadHistory();
    } catch {
      saveStatus.textContent = 'The site could not be sent; nothing was saved.';
    } finally {
      saveBtn.disabled = state().polys.length === 0;
    }
  };
  saveBtn.addEventListener('click', () => void save(false));
  repairBtn.addEventListener('click', () => void save(true));

  pointSave.addEventListener('click', async () => {
    if (!pendingPoint) return;
    hideServerError();
    await ensureVersion();
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (version !== null) headers['if-match'] = `"v${version}"`;
    const res = await fetch(`${caseUrl}/location`, {
      method: 'PUT',
      credentials: 'same-origin',
      headers,
      body: JSON.stringify({ geometry: { type: 'Point', coordinates: pendingPoint }, crs: 'EPSG:27700' }),
    });
    const body = (await res.json().catch(() => null)) as {
      version?: number;
      location?: { epsg27700?: Pt };
      error?: ApiError;
    } | null;
    if (!res.ok) return showServerError(body?.error ?? { message: `The location was not saved (${res.status}).` });
    version = body?.version ?? version;
    if (version !== null) sm.target.dataset.caseVersion = String(version);
    const at = body?.location?.epsg27700 ?? pendingPoint;
    pointText.textContent = `Location saved: E ${at[0].toFixed(2)} N ${at[1].toFixed(2)}.`;
    pointSave.disabled = true;
    pendingPoint = null;
    setTool(null);
    sm.describePart('location', `Case location: easting ${Math.round(at[0])}, northing ${Math.round(at[1])}.`);
    sm.emit('site-saved', body);
  });

  // ---- history
  const loadHistory = async () => {
    historyList.textContent = 'Loading…';
    const res = await fetch(`${caseUrl}/site/versions?crs=EPSG:27700`, {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    });
    if (!res.ok) {
      historyList.textContent = 'The site history could not be loaded.';
      return;
    }
    const { items } = (await res.json()) as {
      items: Array<{
        id: number;
        areaM2: number;
        source: string;
        setAt: string;
        setBy: unknown;
        supersededAt: string | null;
        note?: string | null;
        geometry: { type: string; coordinates: unknown };
      }>;
    };
    if (!items.length) {
      historyList.textContent = 'No boundary has been saved yet.';
      return;
    }
    const rows = items.map((it) => {
      const show = el('button', {
        type: 'button',
        class: 'govuk-button govuk-button--secondary govuk-!-margin-bottom-0',
        id: `site-version-${it.id}`,
        text: 'Show on map',
      });
      const when = new Date(it.setAt).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
      const by =
        typeof it.setBy === 'object' && it.setBy
          ? String(
              (it.setBy as { name?: string; username?: string }).name ??
                (it.setBy as { username?: string }).username ??
                '',
            )
          : String(it.setBy ?? '');
      show.setAttribute('aria-label', `Show the boundary of ${when} on the map`);
      show.addEventListener('click', () => {
        history.getSource()!.clear();
        const polys = polysFromGeoJson(it.geometry);
        polys.forEach((p) =>
          history.getSource()!.addFeature(new Feature(new Polygon(toMultiPolygon([p]).coordinates[0]!))),
        );
        historyHide.hidden = false;
        const ext = history.getSource()!.getExtent() ?? [0, 0, 0, 0];
        const cur = (siteSource.getFeatures().length ? siteSource.getExtent() : null) ?? ext;
        sm.fit([
          Math.min(ext[0]!, cur[0]!),
          Math.min(ext[1]!, cur[1]!),
          Math.max(ext[2]!, cur[2]!),
          Math.max(ext[3]!, cur[3]!),
        ]);
        sm.describePart(
          'history',
          `Comparing with the boundary saved ${when}${by ? ` by ${by}` : ''} (dashed blue, ${formatAreaText(it.areaM2)}); the current site is in red.`,
        );
      });
      return el(
        'tr',
        { class: 'govuk-table__row' },
        el('td', { class: 'govuk-table__cell', text: when + (it.supersededAt ? '' : ' (current)') }),
        el('td', { class: 'govuk-table__cell', text: by }),
        el('td', { class: 'govuk-table__cell', text: it.source }),
        el('td', { class: 'govuk-table__cell govuk-table__cell--numeric', text: formatAreaText(it.areaM2) }),
        el('td', { class: 'govuk-table__cell' }, show),
      );
    });
    historyList.replaceChildren(
      el(
        'table',
        { class: 'govuk-table', id: 'site-history-table' },
        el('caption', {
          class: 'govuk-table__caption govuk-table__caption--s',
          text: 'Boundaries saved for this case, newest first',
        }),
        el(
          'thead',
          { class: 'govuk-table__head' },
          el(
            'tr',
            { class: 'govuk-table__row' },
            ...['Saved', 'By', 'How', 'Area', ''].map((h) =>
              el('th', { class: 'govuk-table__header', scope: 'col', text: h }),
            ),
          ),
        ),
        el('tbody', { class: 'govuk-table__body' }, ...rows),
      ),
    );
  };
  historyLoad.addEventListener('click', () => void loadHistory());
  historyHide.addEventListener('click', () => {
    history.getSource()!.clear();
    historyHide.hidden = true;
    sm.describePart('history', null);
  });

  const fitSite = () => {
    const e = siteSource.getFeatures().length ? siteSource.getExtent() : null;
    if (e) sm.fit(e);
  };

  // ---- the case as it is
  try {
    const res = await fetch(`${caseUrl}?crs=EPSG:27700`, {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    });
    if (res.ok) {
      const c = (await res.json()) as {
        version: number;
        kind: string;
        site?: { geometry?: { type: string; coordinates: unknown } } | null;
        location?: { epsg27700?: Pt } | null;
      };
      version = c.version;
      kind = c.kind;
      const polys = polysFromGeoJson(c.site?.geometry);
      if (polys.length) {
        savedPolys = polys;
        stack.reset({ polys, draft: null, taken: [], source: 'amended' });
      }
      const at = c.location?.epsg27700;
      if (at) {
        locationLayer.getSource()!.addFeature(new Feature(new Point(at)));
        pointText.textContent = `Location: E ${at[0].toFixed(2)} N ${at[1].toFixed(2)}.`;
        sm.describePart('location', `Case location: easting ${Math.round(at[0])}, northing ${Math.round(at[1])}.`);
        if (!polys.length) sm.fit([at[0] - 50, at[1] - 50, at[0] + 50, at[1] + 50]);
      }
    }
  } catch {
    /* the panel still works for a new site */
  }
  pointBox.hidden = kind !== 'enforcement';
  render();
  fitSite();

  return { undo, redo, state: () => clone(state()), setTool };
}
