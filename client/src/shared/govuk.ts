/** GOV.UK Frontend's components (error summary focus, details, character counts…) on pages that have them. */
import { initAll } from 'govuk-frontend';

export function startGovukFrontend(): void {
  if (document.body.classList.contains('govuk-frontend-supported')) initAll();
}
