/** The public register's entry: GOV.UK Frontend; the pages work without it, the map enhances them. */
import '../shared/govuk.scss';
import { startGovukFrontend } from '../shared/govuk.ts';

startGovukFrontend();
