/**
 * Cardlane's browser apps: their server side (the routes that serve each
 * app's document and bundle). The apps themselves (src/web/app/) are browser
 * code, built by scripts/build.mjs, that reach the parties only over HTTP.
 */
export { APP_PATH, APP_CONTENT_SECURITY_POLICY, appPageRoutes, type AppPageOptions } from './serve/app-page-routes.ts';
export { pickAppLanguage, APP_LANGUAGES, type AppLanguage } from './serve/app-language.ts';
