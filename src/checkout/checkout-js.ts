/**
 * checkout.js, served by the gateway at /checkout.js. One script tag, then
 * `new PaymentGateway({ sessionUrl, onSuccess, onFailure }).open()`: the cashier opens in an
 * overlay (an iframe of the session's page) and the outcome is learnt by polling the session's
 * public status, so no API key ever reaches the browser. Plain ES5, no dependencies. A session
 * created with `capture: "manual"` calls onSuccess once the money is held: its state says so
 * (`capture: "manual"`, `invoiceStatus: "authorized"`), and the app captures or voids it.
 */
export const CHECKOUT_JS = `/* payment-service checkout.js */
(function (global) {
  'use strict';
  function PaymentGateway(options) {
    if (!options || !options.sessionUrl) throw new Error('PaymentGateway: sessionUrl is required');
    var url = new URL(options.sessionUrl, global.location.href);
    var match = /\\/checkout\\/([0-9a-f-]{36})\\/?$/i.exec(url.pathname);
    if (!match) throw new Error('PaymentGateway: sessionUrl must be a checkoutUrl of a checkout session');
    this.sessionUrl = url.href;
    this.statusUrl = url.origin + '/checkout/' + match[1] + '/status';
    this.onSuccess = options.onSuccess || function () {};
    this.onFailure = options.onFailure || function () {};
    this.pollIntervalMs = options.pollIntervalMs || 2000;
    this.overlay = null;
    this.timer = null;
  }

  PaymentGateway.prototype.open = function () {
    if (this.overlay) return this;
    var self = this;
    var overlay = document.createElement('div');
    overlay.setAttribute('role', 'dialog');
    overlay.setAttribute('aria-modal', 'true');
    overlay.setAttribute('aria-label', 'Payment');
    overlay.setAttribute('data-payment-gateway', 'overlay');
    overlay.style.cssText = 'position:fixed;inset:0;z-index:2147483647;background:rgba(15,20,30,.6);' +
      'display:flex;align-items:center;justify-content:center;padding:12px;box-sizing:border-box';
    var frame = document.createElement('iframe');
    frame.src = this.sessionUrl;
    frame.title = 'Payment';
    frame.setAttribute('data-payment-gateway', 'frame');
    frame.style.cssText = 'width:100%;max-width:480px;height:100%;max-height:720px;border:0;border-radius:12px;background:#fff';
    var close = document.createElement('button');
    close.type = 'button';
    close.textContent = '\\u00d7';
    close.setAttribute('aria-label', 'Close payment');
    close.setAttribute('data-payment-gateway', 'close');
    close.style.cssText = 'position:absolute;top:8px;right:12px;font:700 28px/1 system-ui,sans-serif;' +
      'background:#fff;border:0;border-radius:50%;width:44px;height:44px;cursor:pointer';
    var closeOverlay = function () { self.finish(self.onFailure, { status: 'closed' }); };
    close.onclick = closeOverlay;
    this.onKey = function (event) { if (event.key === 'Escape') closeOverlay(); };
    document.addEventListener('keydown', this.onKey);
    overlay.appendChild(frame);
    overlay.appendChild(close);
    document.body.appendChild(overlay);
    this.overlay = overlay;
    close.focus();
    this.poll();
    return this;
  };

  PaymentGateway.prototype.poll = function () {
    var self = this;
    if (!this.overlay) return;
    fetch(this.statusUrl, { cache: 'no-store' })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!self.overlay) return;
        if (state && state.status === 'paid') return self.finish(self.onSuccess, state);
        if (state && state.status === 'expired') return self.finish(self.onFailure, state);
        self.timer = setTimeout(function () { self.poll(); }, self.pollIntervalMs);
      })
      .catch(function () {
        if (self.overlay) self.timer = setTimeout(function () { self.poll(); }, self.pollIntervalMs);
      });
  };

  PaymentGateway.prototype.close = function () {
    if (this.timer) clearTimeout(this.timer);
    if (this.onKey) document.removeEventListener('keydown', this.onKey);
    if (this.overlay && this.overlay.parentNode) this.overlay.parentNode.removeChild(this.overlay);
    this.overlay = null;
  };

  PaymentGateway.prototype.finish = function (callback, state) {
    this.close();
    callback(state);
  };

  global.PaymentGateway = PaymentGateway;
})(window);
`;
