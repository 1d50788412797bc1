// The billing page: a member signs in with an e-mail code, then manages the
// organization's cards, credits, auto-recharge, payments and receipts
// through billing's API (/billing/v1). No framework, no build step, no
// outside assets; it only ever sets text (never HTML), so the page's
// Content-Security-Policy can forbid inline script altogether.
//
// Money: amounts are shown from the API's `formatted` fields; what a person
// types in dollars becomes cents by string arithmetic, never float math.
// Card numbers go straight to the payment provider (as Stripe.js does),
// with the publishable key from GET /billing/v1/settings; billing gets the token.
'use strict';

(() => {
  const API = '/billing/v1';
  const TOKEN_KEY = 'cardlane.billing.session';
  const LANG_KEY = 'cardlane.billing.lang';

  const STRINGS = {
    en: {
      title: 'Billing',
      signOut: 'Sign out',
      signInTitle: 'Sign in',
      email: 'E-mail address',
      sendCode: 'Send me a code',
      code: 'Six-digit code',
      signIn: 'Sign in',
      resend: 'Send a new code',
      otherAddress: 'Use another address',
      sandboxNote: 'Sandbox: sign-in letters are not sent out; they wait in the sandbox mailbox, which the operator key reads (GET /billing/v1/sandbox/mail?to=…).',
      codeSent: 'If {email} belongs to a member, a code is on its way. It works once, for 5 minutes.',
      enterEmail: 'Enter your e-mail address.',
      enterCode: 'Enter the six-digit code from the letter.',
      balanceTitle: 'Credit balance',
      buyLabel: 'Add to credit balance (US$)',
      buy: 'Add credits',
      buyLimits: 'From {min} to {max} a purchase, charged to your default card.',
      cardsTitle: 'Payment methods',
      addCard: 'Add card',
      tokenNote: 'The card number goes straight to the payment provider; billing only sees a token.',
      cardNumber: 'Card number',
      cardExp: 'Expiry (MM/YY)',
      cardCvc: 'CVC',
      cardName: 'Name on card',
      cardZip: 'Billing ZIP / postal code',
      cardCountry: 'Country (2 letters)',
      addCardSubmit: 'Add card',
      noCards: 'No cards yet. Add one to buy credits.',
      isDefault: 'Default',
      makeDefault: 'Make default',
      remove: 'Remove',
      expires: 'expires {exp}',
      cardAdded: 'Card added: {card}. It was checked with a {hold} hold, released at once.',
      cardAddedNoHold: 'Card added: {card}.',
      cardNotAdded: 'This card could not be added: {why}.',
      cardDefault: '{card} is now your default card: auto-recharge and subscriptions charge it.',
      cardRemoved: '{card} was removed.',
      badExpiry: 'Enter the expiry as MM/YY, like 12/34.',
      badNumber: 'Enter the card number.',
      badAmount: 'Enter an amount in dollars, like 10 or 10.00.',
      paid: 'Paid {amount}. Your credits are in your balance.',
      declined: 'Your card was declined: {why}.',
      processing: 'The payment is still being processed; this page shows the outcome when you refresh it.',
      arTitle: 'Auto-recharge',
      arStatusLabel: 'Status:',
      arThreshold: 'When the balance falls below (US$)',
      arTarget: 'bring it back to (US$)',
      arLimit: 'Monthly limit (US$, empty for none)',
      arSave: 'Turn on / save',
      arOff: 'Turn off',
      arStatus_off: 'Off',
      arStatus_active: 'Active',
      arStatus_paused: 'Paused',
      arActiveDetail: 'When your balance falls below {threshold}, your default card is charged to bring it back to {target}.',
      arLimitDetail: ' At most {limit} a month ({used} used this month).',
      arOffDetail: 'Turn it on to keep your balance from running out.',
      arNextAttempt: 'Next try: {when}.',
      arSaved: 'Auto-recharge saved.',
      arTurnedOff: 'Auto-recharge is off.',
      arLastFailed: 'Last recharge failed: {why}.',
      paymentsTitle: 'Payment history',
      receiptsTitle: 'Receipts',
      colDate: 'Date',
      colWhat: 'What',
      colAmount: 'Amount',
      colStatus: 'Status',
      colDetails: 'Details',
      colNumber: 'Number',
      colDescription: 'Description',
      colCard: 'Card',
      noPayments: 'No payments yet.',
      noReceipts: 'No receipts yet.',
      kind_verification: 'Card check',
      kind_purchase: 'Credit purchase',
      kind_auto_recharge: 'Auto-recharge',
      kind_subscription: 'Subscription',
      status_succeeded: 'Succeeded',
      status_failed: 'Declined',
      status_processing: 'Processing',
      receiptRef: 'Receipt {number}',
      refunded: 'Refunded {amount}',
      holdReleased: 'A {amount} hold, released at once',
      signedInAs: '{email} ({role}) · {org}',
      role_owner: 'owner',
      role_member: 'member',
      lookOnly: 'You are a member of this organization: you can see its billing; an owner changes it.',
      membersTitle: 'Members',
      inviteEmail: 'Invite by e-mail',
      invite: 'Invite',
      you: 'you',
      invited: '{email} was invited as {role}: a letter tells them how to sign in.',
      alreadyMember: '{email} is already a member.',
      memberRemoved: '{email} was removed.',
      badEmail: 'Enter an e-mail address.',
      sessionEnded: 'Your session ended; sign in again.',
      networkError: 'Billing could not be reached; check the connection and try again.',
    },
    zh: {
      title: '账单',
      signOut: '退出登录',
      signInTitle: '登录',
      email: '邮箱地址',
      sendCode: '发送验证码',
      code: '六位验证码',
      signIn: '登录',
      resend: '重新发送验证码',
      otherAddress: '换一个邮箱',
      sandboxNote: '沙盒环境：登录邮件不会真正发出，而是留在沙盒邮箱中，用运营密钥读取（GET /billing/v1/sandbox/mail?to=…）。',
      codeSent: '如果 {email} 是成员邮箱，验证码已经发出。只能使用一次，5 分钟内有效。',
      enterEmail: '请输入邮箱地址。',
      enterCode: '请输入邮件中的六位验证码。',
      balanceTitle: '额度余额',
      buyLabel: '购买额度（美元）',
      buy: '购买额度',
      buyLimits: '每次 {min} 至 {max}，从默认卡扣款。',
      cardsTitle: '付款方式',
      addCard: '添加卡',
      tokenNote: '卡号直接发送给支付服务商；账单系统只收到令牌。',
      cardNumber: '卡号',
      cardExp: '有效期（MM/YY）',
      cardCvc: '安全码（CVC）',
      cardName: '持卡人姓名',
      cardZip: '账单邮编',
      cardCountry: '国家（两个字母）',
      addCardSubmit: '添加卡',
      noCards: '还没有卡。添加一张卡才能购买额度。',
      isDefault: '默认',
      makeDefault: '设为默认',
      remove: '删除',
      expires: '有效期 {exp}',
      cardAdded: '已添加 {card}。验证时冻结了 {hold}，已立即释放。',
      cardAddedNoHold: '已添加 {card}。',
      cardNotAdded: '无法添加这张卡：{why}。',
      cardDefault: '{card} 已设为默认卡：自动充值和订阅从这张卡扣款。',
      cardRemoved: '已删除 {card}。',
      badExpiry: '有效期请按 MM/YY 填写，例如 12/34。',
      badNumber: '请输入卡号。',
      badAmount: '请输入美元金额，例如 10 或 10.00。',
      paid: '已支付 {amount}，额度已到账。',
      declined: '付款被拒：{why}。',
      processing: '付款仍在处理中；刷新页面即可看到结果。',
      arTitle: '自动充值',
      arStatusLabel: '状态：',
      arThreshold: '当余额低于（美元）',
      arTarget: '充值到（美元）',
      arLimit: '每月上限（美元，留空表示不限）',
      arSave: '开启 / 保存',
      arOff: '关闭',
      arStatus_off: '已关闭',
      arStatus_active: '已开启',
      arStatus_paused: '已暂停',
      arActiveDetail: '余额低于 {threshold} 时，从默认卡扣款，把余额充到 {target}。',
      arLimitDetail: '每月最多 {limit}（本月已用 {used}）。',
      arOffDetail: '开启后，余额不会用光。',
      arNextAttempt: '下次尝试：{when}。',
      arSaved: '自动充值设置已保存。',
      arTurnedOff: '自动充值已关闭。',
      arLastFailed: '上次充值失败：{why}。',
      paymentsTitle: '付款记录',
      receiptsTitle: '收据',
      colDate: '日期',
      colWhat: '项目',
      colAmount: '金额',
      colStatus: '状态',
      colDetails: '说明',
      colNumber: '编号',
      colDescription: '描述',
      colCard: '卡',
      noPayments: '还没有付款记录。',
      noReceipts: '还没有收据。',
      kind_verification: '验卡',
      kind_purchase: '购买额度',
      kind_auto_recharge: '自动充值',
      kind_subscription: '订阅',
      status_succeeded: '成功',
      status_failed: '被拒',
      status_processing: '处理中',
      receiptRef: '收据 {number}',
      refunded: '已退款 {amount}',
      holdReleased: '冻结 {amount}，已立即释放',
      signedInAs: '{email}（{role}）· {org}',
      role_owner: '所有者',
      role_member: '成员',
      lookOnly: '你是该组织的成员：可以查看账单，修改需由所有者操作。',
      membersTitle: '成员',
      inviteEmail: '通过邮箱邀请',
      invite: '邀请',
      you: '你',
      invited: '已邀请 {email} 成为{role}：邮件会告诉对方如何登录。',
      alreadyMember: '{email} 已经是成员。',
      memberRemoved: '已移除 {email}。',
      badEmail: '请输入邮箱地址。',
      sessionEnded: '登录已失效，请重新登录。',
      networkError: '无法连接账单服务，请检查网络后重试。',
    },
  };

  let lang = localStorage.getItem(LANG_KEY) === 'zh' ? 'zh' : 'en';
  // What the page shows, kept so a language switch can redraw it without asking the API again.
  const state = { session: null, settings: null, balance: null, cards: [], autoRecharge: null, payments: [], receipts: [], members: [], signInEmail: null };
  // Each message box remembers how to say its message, for the same reason.
  const messages = {};

  const $ = (id) => document.getElementById(id);
  /** What only an owner may use. */
  const CHANGE_CONTROLS = ['buy-form', 'card-add-box', 'ar-form', 'invite-form'];

  function t(key, vars = {}) {
    const text = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
  }

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props)) {
      if (name === 'className') node.className = value;
      else if (name === 'dataset') Object.assign(node.dataset, value);
      else node.setAttribute(name, value);
    }
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  }

  // --- Messages -----------------------------------------------------------

  /** Shows `say()` in the box `id`; `say` is called again when the language changes. */
  function show(id, tone, say) {
    messages[id] = { tone, say };
    paintMessage(id);
  }

  function clear(id) {
    delete messages[id];
    paintMessage(id);
  }

  function paintMessage(id) {
    const box = $(id);
    const message = messages[id];
    box.className = `message${message ? ` ${message.tone}` : ''}`;
    box.textContent = message ? message.say() : '';
  }

  /** A card error's explanation in the page's language, from the payment the API answered with. */
  function explanationOf(payment) {
    const explanation = payment && payment.failure && payment.failure.explanation;
    if (!explanation) return null;
    return explanation[lang] || explanation.en;
  }

  /** An explanation standing on its own: a capital letter and a full stop (the API's read as the end of "declined: …"). */
  function sentence(text) {
    if (text === '') return text;
    if (lang === 'zh') return /[。！？]$/.test(text) ? text : `${text}。`;
    return `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;
  }

  /** What to tell a person about a refused request: the decline's explanation, or the API's message; never a bare code. */
  function refusal(answer, declinedKey) {
    const error = answer.body && answer.body.error;
    const payment = error && error.payment;
    if (payment && payment.failure) return () => t(declinedKey, { why: explanationOf(payment) });
    const text = error && error.message;
    return () => text || t('networkError');
  }

  // --- Money --------------------------------------------------------------

  /** "10", "10.5", "$10.00" → 1000 (cents), or null. String arithmetic only: no float ever holds money. */
  function dollarsToCents(text) {
    const match = /^\s*\$?\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(String(text));
    if (!match) return null;
    const digits = `${match[1]}${(match[2] || '').padEnd(2, '0')}`.replace(/^0+(?=\d)/, '');
    return Number.parseInt(digits, 10);
  }

  /** 1000 → "10.00", for pre-filling a dollar field. */
  function centsToDollars(cents) {
    const digits = String(cents).padStart(3, '0');
    return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
  }

  // --- API ----------------------------------------------------------------

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  async function api(method, path, body, headers = {}) {
    const session = token();
    let response;
    try {
      response = await fetch(API + path, {
        method,
        headers: {
          ...(session ? { authorization: `Bearer ${session}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        cache: 'no-store',
      });
    } catch {
      return { status: 0, ok: false, body: { error: { message: t('networkError') } } };
    }
    const data = await response.json().catch(() => null);
    if (response.status === 401 && session) {
      signedOut();
      show('signin-message', 'bad', () => t('sessionEnded'));
    }
    return { status: response.status, ok: response.ok, body: data };
  }

  /** Runs `work` with `button` disabled, so a double click cannot pay twice. */
  async function busy(button, work) {
    if (button.disabled) return;
    button.disabled = true;
    try {
      await work();
    } finally {
      button.disabled = false;
    }
  }

  // --- Sign-in ------------------------------------------------------------

  function signedOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    state.session = null;
    $('dashboard').hidden = true;
    $('signin').hidden = false;
    $('who').hidden = true;
    $('signout').hidden = true;
    $('signin-email-form').hidden = false;
    $('signin-code-form').hidden = true;
  }

  async function sendCode(button) {
    const email = $('signin-email').value.trim();
    if (email === '') return show('signin-message', 'bad', () => t('enterEmail'));
    await busy(button, async () => {
      const answer = await api('POST', '/sessions/code', { email });
      if (!answer.ok) return show('signin-message', 'bad', refusal(answer));
      state.signInEmail = answer.body.email;
      clear('signin-message');
      $('signin-email-form').hidden = true;
      $('signin-code-form').hidden = false;
      paintSignIn();
      $('signin-code').value = '';
      $('signin-code').focus();
    });
  }

  function paintSignIn() {
    $('signin-sent').textContent = state.signInEmail ? t('codeSent', { email: state.signInEmail }) : '';
  }

  async function signIn(button) {
    const code = $('signin-code').value.trim();
    if (code === '') return show('signin-message', 'bad', () => t('enterCode'));
    await busy(button, async () => {
      const answer = await api('POST', '/sessions', { email: state.signInEmail, code });
      if (!answer.ok) return show('signin-message', 'bad', refusal(answer));
      sessionStorage.setItem(TOKEN_KEY, answer.body.token);
      clear('signin-message');
      await enter();
    });
  }

  async function signOut(button) {
    await busy(button, async () => {
      await api('DELETE', '/sessions');
      signedOut();
    });
  }

  /** Shows the dashboard for a live session, or the sign-in form. */
  async function enter() {
    if (!token()) return signedOut();
    const answer = await api('GET', '/sessions/current');
    if (!answer.ok) return signedOut();
    state.session = answer.body;
    $('signin').hidden = true;
    $('dashboard').hidden = false;
    $('who').hidden = false;
    $('signout').hidden = false;
    paintWho();
    const settings = await api('GET', '/settings');
    if (settings.ok) state.settings = settings.body;
    paintLimits();
    await refresh();
  }

  function paintWho() {
    const session = state.session;
    $('who').textContent = session ? t('signedInAs', { email: session.member.email, role: t(`role_${session.member.role}`), org: session.organization.name }) : '';
    // Owners change the billing; a member looks (the API refuses a member's changes anyway).
    for (const id of CHANGE_CONTROLS) $(id).hidden = !canChange();
    $('look-only').hidden = canChange();
  }

  function canChange() {
    return state.session !== null && state.session.member.role === 'owner';
  }

  // --- Dashboard ------------------------------------------------------------

  async function refresh() {
    const [balance, cards, autoRecharge, payments, receipts, members] = await Promise.all([
      api('GET', '/credit_balance'),
      api('GET', '/payment_methods'),
      api('GET', '/auto_recharge'),
      api('GET', '/payments?limit=20'),
      api('GET', '/receipts?limit=20'),
      api('GET', '/members'),
    ]);
    if (balance.ok) state.balance = balance.body.available;
    if (cards.ok) state.cards = cards.body.data;
    if (autoRecharge.ok) state.autoRecharge = autoRecharge.body;
    if (payments.ok) state.payments = payments.body.data;
    if (receipts.ok) state.receipts = receipts.body.data;
    if (members.ok) state.members = members.body.data;
    paintDashboard();
  }

  function paintDashboard() {
    $('balance').textContent = state.balance ? state.balance.formatted : '…';
    paintLimits();
    paintCards();
    paintAutoRecharge();
    paintPayments();
    paintReceipts();
    paintMembers();
  }

  function paintMembers() {
    const list = $('members-list');
    list.replaceChildren();
    const self = state.session && state.session.member.id;
    for (const member of state.members) {
      const item = el('li', { dataset: { member: member.id } }, el('strong', {}, member.email), el('span', { className: 'note' }, t(`role_${member.role}`)));
      if (member.id === self) item.append(el('span', { className: 'badge' }, t('you')));
      else if (canChange()) item.append(el('button', { type: 'button', dataset: { action: 'remove-member', member: member.id } }, t('remove')));
      list.append(item);
    }
  }

  async function invite(button) {
    const email = $('invite-email').value.trim();
    if (email === '') return show('members-message', 'bad', () => t('badEmail'));
    const role = $('invite-role').value;
    await busy(button, async () => {
      const answer = await api('POST', '/members', { email, role });
      if (answer.ok) {
        const who = answer.body.email;
        const as = answer.body.role;
        show('members-message', 'good', answer.status === 201 ? () => t('invited', { email: who, role: t(`role_${as}`) }) : () => t('alreadyMember', { email: who }));
        $('invite-email').value = '';
      } else {
        show('members-message', 'bad', refusal(answer));
      }
      await refresh();
    });
  }

  async function removeMember(button) {
    const member = state.members.find((m) => m.id === button.dataset.member);
    await busy(button, async () => {
      const answer = await api('DELETE', `/members/${encodeURIComponent(button.dataset.member)}`);
      const email = member ? member.email : button.dataset.member;
      show('members-message', answer.ok ? 'good' : 'bad', answer.ok ? () => t('memberRemoved', { email }) : refusal(answer));
      await refresh();
    });
  }

  function paintLimits() {
    const settings = state.settings;
    $('buy-limits').textContent = settings ? t('buyLimits', { min: settings.purchase_minimum.formatted, max: settings.purchase_maximum.formatted }) : '';
  }

  const cardName = (card) => `${card.brand} •••• ${card.last4}`;

  function paintCards() {
    const list = $('cards-list');
    list.replaceChildren();
    if (state.cards.length === 0) list.append(el('li', { className: 'note' }, t('noCards')));
    for (const card of state.cards) {
      const exp = `${String(card.exp_month).padStart(2, '0')}/${String(card.exp_year).slice(-2)}`;
      const item = el('li', { dataset: { pm: card.id } }, el('strong', {}, cardName(card)), el('span', { className: 'note' }, `${t('expires', { exp })} · ${card.funding}${card.country ? ` · ${card.country}` : ''}`));
      if (card.is_default) item.append(el('span', { className: 'badge' }, t('isDefault')));
      else if (canChange()) item.append(el('button', { type: 'button', dataset: { action: 'default', pm: card.id } }, t('makeDefault')));
      if (canChange()) item.append(el('button', { type: 'button', dataset: { action: 'remove', pm: card.id } }, t('remove')));
      list.append(item);
    }
  }

  function paintAutoRecharge() {
    const view = state.autoRecharge;
    const status = $('ar-status');
    const detail = $('ar-detail');
    if (!view) {
      status.textContent = '…';
      detail.textContent = '';
      return;
    }
    // The status, never the switch: `enabled` may be true while a pause stops every recharge.
    status.textContent = t(`arStatus_${view.status}`);
    status.className = `status-${view.status}`;
    status.dataset.status = view.status;
    const parts = [];
    if (view.status === 'paused') {
      parts.push((lang === 'zh' ? view.paused_message_zh : view.paused_message) || view.paused_message || '');
    } else if (view.status === 'active') {
      parts.push(t('arActiveDetail', { threshold: view.threshold.formatted, target: view.target.formatted }));
      if (view.monthly_limit) parts.push(t('arLimitDetail', { limit: view.monthly_limit.formatted, used: view.used_this_month.formatted }));
    } else {
      parts.push(t('arOffDetail'));
    }
    if (view.status !== 'off' && view.next_attempt_at) parts.push(` ${t('arNextAttempt', { when: when(view.next_attempt_at) })}`);
    const lastFailure = view.last_payment && view.last_payment.status === 'failed' ? explanationOf(view.last_payment) : null;
    if (view.status !== 'off' && lastFailure) parts.push(` ${t('arLastFailed', { why: lastFailure })}`);
    detail.textContent = parts.join('');
    // Pre-fill the form with the rule, unless the person is typing in it.
    if (view.threshold && document.activeElement?.form !== $('ar-form')) {
      $('ar-threshold').value = centsToDollars(view.threshold.amount_minor);
      $('ar-target').value = centsToDollars(view.target.amount_minor);
      $('ar-limit').value = view.monthly_limit ? centsToDollars(view.monthly_limit.amount_minor) : '';
    }
  }

  function when(isoTime) {
    return new Date(isoTime).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-US');
  }

  function paintPayments() {
    const body = $('payments-list');
    body.replaceChildren();
    if (state.payments.length === 0) body.append(el('tr', {}, el('td', { colspan: '5', className: 'note' }, t('noPayments'))));
    for (const payment of state.payments) {
      const details = [];
      if (payment.status === 'failed') details.push(sentence(explanationOf(payment) || ''));
      if (payment.kind === 'verification' && payment.status === 'succeeded' && payment.amount.amount_minor > 0) details.push(t('holdReleased', { amount: payment.amount.formatted }));
      if (payment.receipt) details.push(t('receiptRef', { number: payment.receipt.number }));
      if (payment.refunded && payment.refunded.amount_minor > 0) details.push(t('refunded', { amount: payment.refunded.formatted }));
      body.append(
        el(
          'tr',
          { dataset: { payment: payment.id, status: payment.status } },
          el('td', {}, when(payment.created_at)),
          el('td', {}, t(`kind_${payment.kind}`)),
          el('td', { className: 'amount' }, payment.amount.formatted),
          el('td', { className: payment.status === 'failed' ? 'declined' : '' }, t(`status_${payment.status}`)),
          el('td', { className: 'explanation' }, details.join(' · ')),
        ),
      );
    }
  }

  function paintReceipts() {
    const body = $('receipts-list');
    body.replaceChildren();
    if (state.receipts.length === 0) body.append(el('tr', {}, el('td', { colspan: '5', className: 'note' }, t('noReceipts'))));
    for (const receipt of state.receipts) {
      body.append(
        el(
          'tr',
          { dataset: { receipt: receipt.id } },
          el('td', {}, receipt.number),
          el('td', {}, when(receipt.paid_at)),
          el('td', {}, receipt.description),
          el('td', {}, receipt.card),
          el('td', { className: 'amount' }, receipt.amount.formatted),
        ),
      );
    }
  }

  // --- Actions --------------------------------------------------------------

  /** Tokenizes the card at the provider with the publishable key, as Stripe.js does; the number never reaches billing. */
  async function tokenize(card) {
    if (!state.settings) {
      const settings = await api('GET', '/settings');
      if (!settings.ok) return { error: refusal(settings) };
      state.settings = settings.body;
    }
    const provider = state.settings.provider;
    const form = new URLSearchParams();
    form.set('type', 'card');
    form.set('card[number]', card.number);
    form.set('card[exp_month]', String(card.expMonth));
    form.set('card[exp_year]', String(card.expYear));
    form.set('card[cvc]', card.cvc);
    if (card.name) form.set('billing_details[name]', card.name);
    if (card.zip) form.set('billing_details[address][postal_code]', card.zip);
    if (card.country) form.set('billing_details[address][country]', card.country);
    let response;
    try {
      response = await fetch(`${provider.base_url.replace(/\/+$/, '')}/v1/payment_methods`, {
        method: 'POST',
        headers: { authorization: `Bearer ${provider.publishable_key}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
        cache: 'no-store',
      });
    } catch {
      return { error: () => t('networkError') };
    }
    const data = await response.json().catch(() => null);
    if (!response.ok || !data || typeof data.id !== 'string') {
      // The provider's messages are written for people ("Your card number is incorrect.").
      const text = data && data.error && data.error.message;
      return { error: () => text || t('networkError') };
    }
    return { id: data.id };
  }

  function readExpiry(text) {
    const match = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(text);
    if (!match) return null;
    const month = Number.parseInt(match[1], 10);
    const year = Number.parseInt(match[2], 10);
    if (month < 1 || month > 12) return null;
    return { expMonth: month, expYear: year < 100 ? 2000 + year : year };
  }

  async function addCard(button) {
    const number = $('card-number').value.replace(/[\s-]/g, '');
    if (number === '') return show('card-message', 'bad', () => t('badNumber'));
    const expiry = readExpiry($('card-exp').value);
    if (!expiry) return show('card-message', 'bad', () => t('badExpiry'));
    await busy(button, async () => {
      const token = await tokenize({
        number,
        ...expiry,
        cvc: $('card-cvc').value.trim(),
        name: $('card-name').value.trim(),
        zip: $('card-zip').value.trim(),
        country: $('card-country').value.trim().toUpperCase(),
      });
      if (token.error) return show('card-message', 'bad', token.error);
      // The token is all that is needed from here on: the number and CVC leave the page's fields.
      $('card-number').value = '';
      $('card-cvc').value = '';
      const answer = await api('POST', '/payment_methods', { payment_method: token.id });
      if (answer.status === 201) {
        const card = answer.body;
        const hold = card.verification && card.verification.hold;
        show('card-message', 'good', () => (hold ? t('cardAdded', { card: cardName(card), hold: hold.formatted }) : t('cardAddedNoHold', { card: cardName(card) })));
        $('card-add-box').open = false;
      } else if (answer.status === 202) {
        show('card-message', '', () => t('processing'));
      } else {
        show('card-message', 'bad', refusal(answer, 'cardNotAdded'));
      }
      await refresh();
    });
  }

  async function cardAction(button) {
    const id = button.dataset.pm;
    const card = state.cards.find((c) => c.id === id);
    const name = card ? cardName(card) : id;
    await busy(button, async () => {
      if (button.dataset.action === 'default') {
        const answer = await api('POST', `/payment_methods/${encodeURIComponent(id)}/default`);
        show('card-message', answer.ok ? 'good' : 'bad', answer.ok ? () => t('cardDefault', { card: name }) : refusal(answer));
      } else {
        const answer = await api('DELETE', `/payment_methods/${encodeURIComponent(id)}`);
        show('card-message', answer.ok ? 'good' : 'bad', answer.ok ? () => t('cardRemoved', { card: name }) : refusal(answer));
      }
      await refresh();
    });
  }

  async function buy(button) {
    const cents = dollarsToCents($('buy-amount').value);
    if (cents === null) return show('buy-message', 'bad', () => t('badAmount'));
    await busy(button, async () => {
      // One key per click: a retried request cannot pay twice.
      const answer = await api('POST', '/credit_purchases', { amount: cents }, { 'idempotency-key': crypto.randomUUID() });
      if (answer.status === 200) {
        const amount = answer.body.amount.formatted;
        show('buy-message', 'good', () => t('paid', { amount }));
        $('buy-amount').value = '';
      } else if (answer.status === 202) {
        show('buy-message', '', () => t('processing'));
      } else {
        show('buy-message', 'bad', refusal(answer, 'declined'));
      }
      await refresh();
    });
  }

  async function saveAutoRecharge(button, enabled) {
    let body = { enabled };
    if (enabled) {
      const threshold = dollarsToCents($('ar-threshold').value);
      const target = dollarsToCents($('ar-target').value);
      const limitText = $('ar-limit').value.trim();
      const limit = limitText === '' ? null : dollarsToCents(limitText);
      if (threshold === null || target === null || (limitText !== '' && limit === null)) return show('ar-message', 'bad', () => t('badAmount'));
      body = { enabled, threshold, target, monthly_limit: limit };
    }
    await busy(button, async () => {
      const answer = await api('POST', '/auto_recharge', body);
      if (answer.ok) {
        state.autoRecharge = answer.body;
        show('ar-message', 'good', () => t(enabled ? 'arSaved' : 'arTurnedOff'));
      } else {
        show('ar-message', 'bad', refusal(answer));
      }
      await refresh();
    });
  }

  // --- Language -------------------------------------------------------------

  function paintLanguage() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = `${t('title')} — Cardlane`;
    for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
    const toggle = $('lang-toggle');
    toggle.textContent = lang === 'zh' ? 'English' : '中文';
    toggle.lang = lang === 'zh' ? 'en' : 'zh';
    for (const id of Object.keys(messages)) paintMessage(id);
    paintSignIn();
    paintWho();
    if (state.session) paintDashboard();
  }

  // --- Wiring ---------------------------------------------------------------

  function onSubmit(id, handler) {
    $(id).addEventListener('submit', (event) => {
      event.preventDefault();
      void handler(event.submitter || $(id).querySelector('button[type=submit]'));
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    onSubmit('signin-email-form', sendCode);
    onSubmit('signin-code-form', signIn);
    $('signin-resend').addEventListener('click', (event) => void sendCode(event.currentTarget));
    $('signin-other').addEventListener('click', () => {
      state.signInEmail = null;
      clear('signin-message');
      $('signin-code-form').hidden = true;
      $('signin-email-form').hidden = false;
    });
    $('signout').addEventListener('click', (event) => void signOut(event.currentTarget));
    onSubmit('buy-form', buy);
    onSubmit('card-form', addCard);
    onSubmit('ar-form', (button) => saveAutoRecharge(button, true));
    $('ar-off').addEventListener('click', (event) => void saveAutoRecharge(event.currentTarget, false));
    $('cards-list').addEventListener('click', (event) => {
      const button = event.target.closest('button[data-action]');
      if (button) void cardAction(button);
    });
    onSubmit('invite-form', invite);
    $('members-list').addEventListener('click', (event) => {
      const button = event.target.closest('button[data-action="remove-member"]');
      if (button) void removeMember(button);
    });
    $('lang-toggle').addEventListener('click', () => {
      lang = lang === 'zh' ? 'en' : 'zh';
      localStorage.setItem(LANG_KEY, lang);
      paintLanguage();
    });
    paintLanguage();
    void enter();
  });
})();
