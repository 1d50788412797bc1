import { onSessionEnded } from './api.ts';
import { saveAutoRecharge } from './auto-recharge-actions.ts';
import { addCard, cardAction } from './card-actions.ts';
import { buy } from './credit-actions.ts';
import { $, form } from './dom.ts';
import { t, toggleLang } from './i18n.ts';
import { paintLanguage } from './language.ts';
import { invite, removeMember } from './member-actions.ts';
import { show } from './messages.ts';
import { enter, otherAddress, sendCode, signedOut, signIn, signOut } from './sign-in.ts';

/**
 * The billing page: a member signs in with an e-mail code, then manages the
 * organization's cards, credits, auto-recharge, payments, receipts and
 * members through billing's API (/billing/v1). This module wires the page's
 * forms and buttons to what they do, then shows the page.
 */

function button(id: string): HTMLButtonElement {
  const node = $(id);
  if (!(node instanceof HTMLButtonElement)) throw new Error(`#${id} is not a button`);
  return node;
}

/** Runs `handler` with the button that submitted form `id`. */
function onSubmit(id: string, handler: (button: HTMLButtonElement) => Promise<void>): void {
  const target = form(id);
  target.addEventListener('submit', (event) => {
    event.preventDefault();
    const submitter = event.submitter ?? target.querySelector('button[type=submit]');
    if (submitter instanceof HTMLButtonElement) void handler(submitter);
  });
}

/** Runs `handler` with the button matching `selector` that was clicked inside `id`. */
function onButtonIn(id: string, selector: string, handler: (button: HTMLButtonElement) => Promise<void>): void {
  $(id).addEventListener('click', (event) => {
    const clicked = event.target instanceof Element ? event.target.closest(selector) : null;
    if (clicked instanceof HTMLButtonElement) void handler(clicked);
  });
}

function start(): void {
  onSessionEnded(() => {
    signedOut();
    show('signin-message', 'bad', () => t('sessionEnded'));
  });
  onSubmit('signin-email-form', sendCode);
  onSubmit('signin-code-form', signIn);
  const resend = button('signin-resend');
  resend.addEventListener('click', () => void sendCode(resend));
  button('signin-other').addEventListener('click', otherAddress);
  const signOutButton = button('signout');
  signOutButton.addEventListener('click', () => void signOut(signOutButton));
  onSubmit('buy-form', buy);
  onSubmit('card-form', addCard);
  onSubmit('ar-form', (submitter) => saveAutoRecharge(submitter, true));
  const turnOff = button('ar-off');
  turnOff.addEventListener('click', () => void saveAutoRecharge(turnOff, false));
  onButtonIn('cards-list', 'button[data-action]', cardAction);
  onSubmit('invite-form', invite);
  onButtonIn('members-list', 'button[data-action="remove-member"]', removeMember);
  button('lang-toggle').addEventListener('click', () => {
    toggleLang();
    paintLanguage();
  });
  paintLanguage();
  void enter();
}

// Loaded by billing-page.js once the document is parsed, usually after DOMContentLoaded.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
