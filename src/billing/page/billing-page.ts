// The billing page's first script, loaded by billing-page.html with
// `<script src="/billing/assets/billing-page.js" defer>`: a classic script
// (this file imports nothing, so it stays one) whose one job is to load the
// page's code — ES modules, billing-app.js and what it imports — from the
// same place. Nothing runs inline, so the page's Content-Security-Policy
// (`script-src 'self'`) forbids inline script altogether.
import('./billing-app.ts').catch((error: unknown) => {
  console.error('The billing page could not load its code (/billing/assets/billing-app.js).', error);
});
