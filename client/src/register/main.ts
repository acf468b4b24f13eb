/** The public register's entry: GOV.UK Frontend; the pages work without it, the map and "use my location"
 *  enhance them. */
import '../shared/govuk.scss';
import './register.scss';
import { startGovukFrontend } from '../shared/govuk.ts';
import { startRegisterMap } from './map.ts';

startGovukFrontend();

for (const el of document.querySelectorAll<HTMLElement>('.redline-register-map')) void startRegisterMap(el);

// "Use my location": the browser's position goes in lat/lon and the form is sent (never stored)
const locate = document.querySelector<HTMLElement>('[data-locate]');
const form = document.querySelector<HTMLFormElement>('#near-form');
if (locate && form && 'geolocation' in navigator) {
  locate.hidden = false;
  locate.querySelector('button')?.addEventListener('click', () => {
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        (form.querySelector('#lat') as HTMLInputElement).value = pos.coords.latitude.toFixed(6);
        (form.querySelector('#lon') as HTMLInputElement).value = pos.coords.longitude.toFixed(6);
        (form.querySelector('#near') as HTMLInputElement).value = '';
        form.submit();
      },
      () => {
        locate.insertAdjacentHTML(
          'beforeend',
          '<span class="govuk-error-message">We could not get your location. Enter a postcode instead.</span>',
        );
      },
    );
  });
}
