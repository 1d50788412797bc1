/**
 * The card element's frame (/js/card-element.html and its script), on
 * Cardlane's origin: the customer types the card here, and this page — not
 * the host page — creates the payment method with the publishable key the
 * host's Stripe.js stand-in sends it, answering only the payment method (or
 * the error). The number, expiry and CVC never leave this frame except to
 * Cardlane's /v1/payment_methods. Messages are taken from the parent window
 * only and answered to it only. Labels and messages in English and Chinese
 * (`?locale=zh`).
 */
export const CARD_ELEMENT_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Card</title><link rel="stylesheet" href="card-element.css"></head>
<body><div class="row">
<input id="number" name="cardnumber" autocomplete="cc-number" inputmode="numeric" aria-label="Card number">
<input id="expiry" name="exp-date" autocomplete="cc-exp" inputmode="numeric" aria-label="Expiry">
<input id="cvc" name="cvc" autocomplete="cc-csc" inputmode="numeric" aria-label="CVC">
</div><p id="error" role="alert"></p>
<script src="card-element.js"></script></body></html>
`;

export const CARD_ELEMENT_CSS = `html,body{margin:0;padding:0;font:16px system-ui,sans-serif;background:transparent}
.row{display:flex;gap:6px}
input{box-sizing:border-box;min-width:0;height:40px;padding:0 8px;border:1px solid #8a8f98;border-radius:6px;font:inherit}
#number{flex:3}#expiry{flex:1.3}#cvc{flex:1}
input[aria-invalid=true]{border-color:#c0392b}
#error{margin:2px 0 0;color:#c0392b;font-size:12px;min-height:0}
`;

export const CARD_ELEMENT_JS = String.raw`(function () {
  'use strict';
  var zh = /[?&]locale=zh\b/.test(location.search);
  var TEXT = zh
    ? { number: '卡号', expiry: '月 / 年', cvc: '安全码', incompleteNumber: '卡号不完整。', invalidNumber: '卡号无效。', incompleteExpiry: '有效期不完整。', pastExpiry: '有效期已过。', incompleteCvc: '安全码不完整。' }
    : { number: 'Card number', expiry: 'MM / YY', cvc: 'CVC', incompleteNumber: 'Your card number is incomplete.', invalidNumber: 'Your card number is invalid.', incompleteExpiry: "Your card's expiration date is incomplete.", pastExpiry: "Your card's expiration year is in the past.", incompleteCvc: "Your card's security code is incomplete." };
  var number = document.getElementById('number');
  var expiry = document.getElementById('expiry');
  var cvc = document.getElementById('cvc');
  var errorLine = document.getElementById('error');
  document.documentElement.lang = zh ? 'zh-CN' : 'en';
  number.placeholder = TEXT.number; number.setAttribute('aria-label', TEXT.number);
  expiry.placeholder = TEXT.expiry; expiry.setAttribute('aria-label', TEXT.expiry);
  cvc.placeholder = TEXT.cvc; cvc.setAttribute('aria-label', TEXT.cvc);

  function digits(value) { return String(value).replace(/\D/g, ''); }
  function luhn(pan) {
    var sum = 0;
    for (var i = 0; i < pan.length; i++) {
      var d = Number(pan.charAt(pan.length - 1 - i));
      if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    return sum % 10 === 0;
  }
  function brand(pan) {
    if (/^4/.test(pan)) return 'visa';
    if (/^(5[1-5]|2[2-7])/.test(pan)) return 'mastercard';
    if (/^3[47]/.test(pan)) return 'amex';
    if (/^(6011|65|64[4-9])/.test(pan)) return 'discover';
    if (/^62/.test(pan)) return 'unionpay';
    return 'unknown';
  }
  function parsed() {
    var pan = digits(number.value);
    var exp = digits(expiry.value);
    var month = Number(exp.slice(0, 2));
    var year = exp.length >= 4 ? 2000 + Number(exp.slice(2, 4)) : NaN;
    var now = new Date();
    var error = null;
    var field = null;
    if (pan.length < 12) { error = TEXT.incompleteNumber; field = number; }
    else if (!luhn(pan)) { error = TEXT.invalidNumber; field = number; }
    else if (exp.length < 4 || month < 1 || month > 12) { error = TEXT.incompleteExpiry; field = expiry; }
    else if (year < now.getFullYear() || (year === now.getFullYear() && month < now.getMonth() + 1)) { error = TEXT.pastExpiry; field = expiry; }
    else if (digits(cvc.value).length < 3) { error = TEXT.incompleteCvc; field = cvc; }
    return { pan: pan, month: month, year: year, cvc: digits(cvc.value), error: error, field: field, empty: pan === '' && exp === '' && cvc.value === '' };
  }
  function tell(message) { if (window.parent !== window) window.parent.postMessage(message, '*'); }
  function changed() {
    var card = parsed();
    [number, expiry, cvc].forEach(function (input) { input.removeAttribute('aria-invalid'); });
    errorLine.textContent = '';
    // Only the state, never the digits, goes to the host page.
    tell({ cardlane: 'change', complete: card.error === null, empty: card.empty, brand: brand(card.pan), error: null });
  }
  expiry.addEventListener('input', function () {
    var d = digits(expiry.value).slice(0, 4);
    expiry.value = d.length > 2 ? d.slice(0, 2) + ' / ' + d.slice(2) : d;
  });
  [number, expiry, cvc].forEach(function (input) { input.addEventListener('input', changed); });

  window.addEventListener('message', function (event) {
    if (event.source !== window.parent) return;
    var data = event.data || {};
    if (data.cardlane === 'focus') return void number.focus();
    if (data.cardlane === 'clear') { number.value = ''; expiry.value = ''; cvc.value = ''; return void changed(); }
    if (data.cardlane !== 'create_payment_method') return;
    var reply = function (status, body) { event.source.postMessage({ cardlane: 'result', id: data.id, status: status, body: body }, event.origin); };
    var card = parsed();
    if (card.error !== null) {
      card.field.setAttribute('aria-invalid', 'true');
      errorLine.textContent = card.error;
      return void reply(400, { error: { type: 'validation_error', code: 'incomplete_card', message: card.error } });
    }
    var params = ['type=card', 'card[number]=' + card.pan, 'card[exp_month]=' + card.month, 'card[exp_year]=' + card.year, 'card[cvc]=' + card.cvc];
    var billing = data.billing_details || {};
    ['name', 'email', 'phone'].forEach(function (key) { if (typeof billing[key] === 'string') params.push('billing_details[' + key + ']=' + encodeURIComponent(billing[key])); });
    var address = billing.address || {};
    ['line1', 'line2', 'city', 'state', 'postal_code', 'country'].forEach(function (key) {
      if (typeof address[key] === 'string') params.push('billing_details[address][' + key + ']=' + encodeURIComponent(address[key]));
    });
    fetch('/v1/payment_methods', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + String(data.key), 'content-type': 'application/x-www-form-urlencoded' },
      body: params.join('&'),
    }).then(function (response) {
      return response.json().then(function (body) {
        if (response.status !== 200 && body.error) errorLine.textContent = body.error.message;
        reply(response.status, body);
      });
    }, function (error) {
      reply(0, { error: { type: 'api_connection_error', message: String(error && error.message || error) } });
    });
  });
  tell({ cardlane: 'ready' });
})();
`;
