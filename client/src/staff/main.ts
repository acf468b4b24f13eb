/** The staff app's entry: GOV.UK Frontend on every staff page. The map (OpenLayers, EPSG:27700) joins here. */
import '../shared/govuk.scss';
import { startGovukFrontend } from '../shared/govuk.ts';

startGovukFrontend();
