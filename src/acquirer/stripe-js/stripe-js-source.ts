/**
 * The Stripe.js stand-in's source, served as /js/stripe.js (stripe-js-routes.ts).
 * A page loads it with `<script src="http://<cardlane>/js/stripe.js">` and
 * calls `Stripe(pk)` as with Stripe's: `elements().create('card')` mounts a
 * card element — an iframe on Cardlane's origin, so the card number is typed
 * into and sent from Cardlane's page and never reaches the host page's
 * JavaScript — and `createPaymentMethod`, `confirmCardSetup`,
 * `confirmCardPayment`, `handleNextAction` talk to Cardlane's /v1 with the
 * publishable key (and the intent's client_secret), from the browser.
 *
 * `handleNextAction` is generic: for `next_action.redirect_to_url` (3-D
 * Secure, or anything else an intent asks the customer to visit) it shows the
 * URL in a modal frame and polls the intent with its client_secret until it
 * no longer `requires_action`, then resolves with the intent — as Stripe.js
 * does for the challenges it handles. The API's origin is the script's own.
 *
 * Plain ES2017 without template literals, kept in a string so it is served
 * exactly as written (no build step between it and the browser).
 */
export const STRIPE_JS = String.raw`(function () {
  'use strict';
  var script = document.currentScript;
  var API = script && script.src ? new URL(script.src).origin : window.location.origin;
  var POLL_MS = 500;
  var frameCount = 0;

  function form(params, prefix, out) {
    out = out || [];
    Object.keys(params).forEach(function (key) {
      var value = params[key];
      var name = prefix ? prefix + '[' + key + ']' : key;
      if (value === undefined || value === null) return;
      if (typeof value === 'object') form(value, name, out);
      else out.push(encodeURIComponent(name) + '=' + encodeURIComponent(String(value)));
    });
    return out.join('&');
  }

  function call(key, method, path, params) {
    var body = form(params || {});
    var url = API + '/v1' + path + (method === 'GET' && body ? '?' + body : '');
    var init = { method: method, headers: { authorization: 'Bearer ' + key } };
    if (method !== 'GET') {
      init.headers['content-type'] = 'application/x-www-form-urlencoded';
      init.body = body;
    }
    return fetch(url, init).then(function (response) {
      return response.json().then(function (json) { return { status: response.status, body: json }; });
    }, function (error) {
      return { status: 0, body: { error: { type: 'api_connection_error', message: String(error && error.message || error) } } };
    });
  }

  function intentOf(clientSecret) {
    var match = /^((pi|seti)_[0-9A-Za-z]+)_secret_/.exec(String(clientSecret || ''));
    if (!match) return null;
    return { id: match[1], path: match[2] === 'pi' ? '/payment_intents/' : '/setup_intents/', field: match[2] === 'pi' ? 'paymentIntent' : 'setupIntent' };
  }

  function invalid(message) {
    return Promise.resolve({ error: { type: 'validation_error', code: 'invalid_request', message: message } });
  }

  function CardElement(stripe, options) {
    this._stripe = stripe;
    this._options = options || {};
    this._handlers = {};
    this._frame = null;
    this._pending = {};
    this._seq = 0;
    this._name = 'cardlane-card-' + (++frameCount);
    var self = this;
    this._listener = function (event) {
      if (!self._frame || event.source !== self._frame.contentWindow || event.origin !== API) return;
      var data = event.data || {};
      if (data.cardlane === 'result' && self._pending[data.id]) {
        self._pending[data.id](data);
        delete self._pending[data.id];
      } else if (data.cardlane === 'change') {
        (self._handlers.change || []).forEach(function (handler) { handler({ elementType: 'card', complete: data.complete, empty: data.empty, brand: data.brand, error: data.error || undefined }); });
      } else if (data.cardlane === 'ready') {
        (self._handlers.ready || []).forEach(function (handler) { handler({ elementType: 'card' }); });
      }
    };
  }
  CardElement.prototype.mount = function (target) {
    var host = typeof target === 'string' ? document.querySelector(target) : target;
    if (!host) throw new Error('Cardlane.js: no element to mount the card element in: ' + target);
    var frame = document.createElement('iframe');
    frame.name = this._name;
    frame.title = this._stripe._locale === 'zh' ? '银行卡输入框' : 'Secure card input';
    frame.src = API + '/js/card-element.html?locale=' + this._stripe._locale;
    frame.setAttribute('allow', 'payment');
    frame.style.cssText = 'border:0;width:100%;height:48px;display:block;overflow:hidden;';
    host.appendChild(frame);
    this._frame = frame;
    window.addEventListener('message', this._listener);
  };
  CardElement.prototype.on = function (name, handler) {
    (this._handlers[name] = this._handlers[name] || []).push(handler);
    return this;
  };
  CardElement.prototype.focus = function () { this._post({ cardlane: 'focus' }); };
  CardElement.prototype.clear = function () { this._post({ cardlane: 'clear' }); };
  CardElement.prototype.unmount = function () {
    window.removeEventListener('message', this._listener);
    if (this._frame && this._frame.parentNode) this._frame.parentNode.removeChild(this._frame);
    this._frame = null;
  };
  CardElement.prototype.destroy = CardElement.prototype.unmount;
  CardElement.prototype._post = function (message) {
    if (this._frame && this._frame.contentWindow) this._frame.contentWindow.postMessage(message, API);
  };
  // The frame itself creates the payment method (it holds the card details); the host page gets only the answer.
  CardElement.prototype._createPaymentMethod = function (billingDetails) {
    var self = this;
    if (!this._frame) return invalid('The card element is not mounted.');
    var id = ++this._seq;
    return new Promise(function (resolve) {
      self._pending[id] = function (data) { resolve(data.status === 200 ? { paymentMethod: data.body } : { error: data.body.error }); };
      self._post({ cardlane: 'create_payment_method', id: id, key: self._stripe._key, billing_details: billingDetails || {} });
    });
  };

  function Elements(stripe) { this._stripe = stripe; this._card = null; }
  Elements.prototype.create = function (type, options) {
    if (type !== 'card') throw new Error('Cardlane.js: only the card element is offered, not ' + type);
    if (this._card) throw new Error('Cardlane.js: this elements group already has a card element');
    this._card = new CardElement(this._stripe, options);
    return this._card;
  };
  Elements.prototype.getElement = function (type) { return type === 'card' ? this._card : null; };

  function CardlaneStripe(key, options) {
    if (typeof key !== 'string' || key.indexOf('pk_') !== 0) throw new Error('Cardlane.js: Stripe() takes a publishable key (pk_…)');
    this._key = key;
    var locale = (options && options.locale) || navigator.language || 'en';
    this._locale = /^zh/i.test(locale) ? 'zh' : 'en';
  }
  CardlaneStripe.prototype.elements = function (options) {
    if (options && options.locale) this._locale = /^zh/i.test(options.locale) ? 'zh' : 'en';
    return new Elements(this);
  };

  CardlaneStripe.prototype.createPaymentMethod = function (input) {
    var data = input || {};
    if (data.type && data.type !== 'card') return invalid('Only card payment methods are offered.');
    if (data.card instanceof CardElement) return data.card._createPaymentMethod(data.billing_details);
    if (data.card && typeof data.card.token === 'string') {
      return call(this._key, 'POST', '/payment_methods', { type: 'card', card: { token: data.card.token }, billing_details: data.billing_details }).then(function (answer) {
        return answer.status === 200 ? { paymentMethod: answer.body } : { error: answer.body.error };
      });
    }
    return invalid('createPaymentMethod needs card: a card element (or a token).');
  };

  /** The payment method an intent is confirmed with: an id as it is, a card element tokenized first. */
  CardlaneStripe.prototype._paymentMethodFor = function (data) {
    var method = data && data.payment_method;
    if (typeof method === 'string') return Promise.resolve({ id: method });
    if (method && method.card instanceof CardElement) {
      return method.card._createPaymentMethod(method.billing_details).then(function (result) {
        return result.error ? { error: result.error } : { id: result.paymentMethod.id };
      });
    }
    if (method === undefined) return Promise.resolve({ id: undefined });
    return Promise.resolve({ error: { type: 'validation_error', code: 'invalid_request', message: 'payment_method must be a payment method id or { card: cardElement }.' } });
  };

  CardlaneStripe.prototype._confirm = function (kind, clientSecret, data) {
    var self = this;
    var intent = intentOf(clientSecret);
    if (!intent || (kind === 'payment' ? intent.field !== 'paymentIntent' : intent.field !== 'setupIntent')) {
      return invalid('Invalid value for ' + (kind === 'payment' ? 'confirmCardPayment' : 'confirmCardSetup') + ': clientSecret should be a client secret of the form ${'$'}{id}_secret_${'$'}{secret}.');
    }
    return this._paymentMethodFor(data).then(function (method) {
      if (method.error) return { error: method.error };
      var params = { client_secret: clientSecret };
      if (method.id !== undefined) params.payment_method = method.id;
      if (data && data.return_url) params.return_url = data.return_url;
      return call(self._key, 'POST', intent.path + intent.id + '/confirm', params).then(function (answer) {
        return self._settle(intent, clientSecret, answer, !(data && data.handleActions === false));
      });
    });
  };

  /** A confirmation's answer as Stripe.js gives it: the intent, or the error (with the intent, when the API gave it). */
  CardlaneStripe.prototype._settle = function (intent, clientSecret, answer, handleActions) {
    var result = {};
    if (answer.status !== 200) return { error: answer.body.error };
    if (handleActions && answer.body.status === 'requires_action') return this.handleNextAction({ clientSecret: clientSecret });
    result[intent.field] = answer.body;
    return result;
  };

  CardlaneStripe.prototype.confirmCardPayment = function (clientSecret, data, options) {
    return this._confirm('payment', clientSecret, Object.assign({}, data || {}, options && options.handleActions === false ? { handleActions: false } : {}));
  };
  CardlaneStripe.prototype.confirmCardSetup = function (clientSecret, data, options) {
    return this._confirm('setup', clientSecret, Object.assign({}, data || {}, options && options.handleActions === false ? { handleActions: false } : {}));
  };

  CardlaneStripe.prototype.retrievePaymentIntent = function (clientSecret) { return this._retrieve(clientSecret, 'paymentIntent'); };
  CardlaneStripe.prototype.retrieveSetupIntent = function (clientSecret) { return this._retrieve(clientSecret, 'setupIntent'); };
  CardlaneStripe.prototype._retrieve = function (clientSecret, field) {
    var intent = intentOf(clientSecret);
    if (!intent || intent.field !== field) return invalid('Invalid client secret.');
    return call(this._key, 'GET', intent.path + intent.id, { client_secret: clientSecret }).then(function (answer) {
      var result = {};
      if (answer.status !== 200) return { error: answer.body.error };
      result[field] = answer.body;
      return result;
    });
  };

  /**
   * Follows the intent's next action. redirect_to_url: the URL is shown in a
   * modal frame on this page while the intent is polled; once it has left
   * requires_action the frame closes and the intent is the answer.
   */
  CardlaneStripe.prototype.handleNextAction = function (input) {
    var self = this;
    var clientSecret = input && input.clientSecret;
    var intent = intentOf(clientSecret);
    if (!intent) return invalid('handleNextAction needs the clientSecret of a PaymentIntent or SetupIntent.');
    var get = function () { return call(self._key, 'GET', intent.path + intent.id, { client_secret: clientSecret }); };
    return get().then(function (answer) {
      if (answer.status !== 200) return { error: answer.body.error };
      var current = answer.body;
      var result = {};
      if (current.status !== 'requires_action') {
        result[intent.field] = current;
        return result;
      }
      var action = current.next_action || {};
      if (action.type !== 'redirect_to_url' || !action.redirect_to_url || !action.redirect_to_url.url) {
        return { error: { type: 'invalid_request_error', code: 'next_action_unsupported', message: 'Cardlane.js cannot handle the next action ' + action.type + '.' } };
      }
      var modal = showModal(action.redirect_to_url.url, self._locale);
      return new Promise(function (resolve) {
        var poll = function () {
          get().then(function (next) {
            if (next.status === 200 && next.body.status === 'requires_action') return void setTimeout(poll, POLL_MS);
            modal.close();
            if (next.status !== 200) return resolve({ error: next.body.error });
            result[intent.field] = next.body;
            resolve(result);
          });
        };
        setTimeout(poll, POLL_MS);
      });
    });
  };

  function showModal(url, locale) {
    var overlay = document.createElement('div');
    overlay.setAttribute('role', 'dialog');
    overlay.setAttribute('aria-modal', 'true');
    overlay.setAttribute('aria-label', locale === 'zh' ? '验证你的付款' : 'Verify your payment');
    overlay.style.cssText = 'position:fixed;inset:0;background:rgba(0,0,0,.5);display:flex;align-items:center;justify-content:center;z-index:2147483647;';
    var frame = document.createElement('iframe');
    frame.src = url;
    frame.name = 'cardlane-next-action';
    frame.title = locale === 'zh' ? '银行验证页面' : 'Bank verification page';
    frame.style.cssText = 'border:0;background:#fff;width:min(420px,95vw);height:min(600px,90vh);border-radius:8px;';
    overlay.appendChild(frame);
    document.body.appendChild(overlay);
    return { close: function () { if (overlay.parentNode) overlay.parentNode.removeChild(overlay); } };
  }

  window.Stripe = function (key, options) { return new CardlaneStripe(key, options); };
  window.Stripe.version = 3;
})();
`;
