/** The staff app's entry: GOV.UK Frontend on every staff page. The map (OpenLayers, EPSG:27700) joins here. */
import '../shared/govuk.scss';
import './pages.scss';
import { startGovukFrontend } from '../shared/govuk.ts';

startGovukFrontend();

// the staff map (issue 12), loaded only on pages that have one; staffMap resolves to the StaffMap (or null)
const mapTarget = document.getElementById('staff-map');
export const staffMap = mapTarget ? import('./map/boot.ts').then((m) => m.bootStaffMap(mapTarget)) : null;

// the case page's panels (constraints, neighbours, publicity, documents), using the map when it comes
if (mapTarget?.dataset.caseId)
  void import('./panels/index.ts').then((m) => m.startCasePanels(mapTarget, staffMap ?? null));

// the layers page's upload forms: the file to PUT /api/layers/:id/data, then the job's progress and report
if (document.querySelector('form[data-module="redline-layer-upload"]'))
  void import('./layers-upload.ts').then((m) => m.startLayerUploads());
