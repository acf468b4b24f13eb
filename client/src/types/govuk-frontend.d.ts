/** govuk-frontend ships no type declarations; we use only its initAll. */
declare module 'govuk-frontend' {
  export function initAll(config?: Record<string, unknown>): void;
}
