/**
 * Cardlane's browser pages: their server side (the routes that serve each
 * page's document and bundle). The pages themselves (src/web/app/,
 * src/web/billing/, src/web/console/, sharing src/web/shared/) are browser code, built by
 * scripts/build.mjs, that reach the parties only over HTTP.
 */
export { APP_PATH, APP_CONTENT_SECURITY_POLICY, appPageRoutes, type AppPageOptions } from './serve/app-page-routes.ts';
export { sandboxCliOptions } from './serve/sandbox-cli-options.ts';
export { BILLING_PAGE_PATH, billingPageRoutes, type BillingPageOptions } from './serve/billing-page-routes.ts';
export { CONSOLE_PATH, consolePageRoutes } from './serve/console-page-routes.ts';
export { webPageContentSecurityPolicy } from './serve/web-page-routes.ts';
export { pickAppLanguage, APP_LANGUAGES, type AppLanguage } from './serve/app-language.ts';
