'use strict';
// The chat page: the stock SignalR browser client against actorhub's /chat hub.
// Client -> server: Send(name, message). Server -> every client: ReceiveMessage(name, message).
// ?transport=ws|sse|lp forces one transport (the browser test uses it); otherwise the client negotiates.
(function () {
  const T = signalR.HttpTransportType;
  const transports = { ws: T.WebSockets, sse: T.ServerSentEvents, lp: T.LongPolling };
  const requested = new URLSearchParams(location.search).get('transport');
  const forced = transports[requested];

  const $ = (id) => document.getElementById(id);
  const status = $('status');
  const list = $('messages');
  const form = $('send');
  const nameInput = $('name');
  const messageInput = $('message');
  const button = form.querySelector('button');

  nameInput.value = localStorage.getItem('chat.name') || `guest-${Math.floor(Math.random() * 9000 + 1000)}`;

  function setState(state, text) {
    status.dataset.state = state;
    status.textContent = text || state;
    button.disabled = state !== 'connected';
    document.body.dataset.state = state;
  }

  function show(name, message, kind) {
    const item = document.createElement('li');
    if (kind) item.className = kind;
    if (name) {
      const who = document.createElement('strong');
      who.textContent = name;  // textContent only: messages are untrusted
      item.append(who, ' ');
    }
    item.append(String(message));
    const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
    list.append(item);
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  const connection = new signalR.HubConnectionBuilder()
    .withUrl('/chat', forced === undefined ? {} : { transport: forced })
    .withAutomaticReconnect()
    .configureLogging(signalR.LogLevel.Warning)
    .build();

  connection.on('ReceiveMessage', (name, message) => show(name, message));
  connection.onreconnecting(() => setState('reconnecting', 'reconnecting…'));
  // Hosted mode (examples/hosted) and a cluster (examples/cluster): the app server or node hosting this
  // connection answers WhereAmI; chat-server has no such method, and the footer then says nothing about it.
  async function showServer() {
    try {
      $('server').textContent = ` · served by ${await connection.invoke('WhereAmI')}`;
    } catch {
      $('server').textContent = '';
    }
  }
  connection.onreconnected(() => { setState('connected'); showServer(); });
  connection.onclose((err) => {
    setState('disconnected');
    if (err) show('', `disconnected: ${err.message}`, 'notice');
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = nameInput.value.trim();
    const message = messageInput.value.trim();
    if (!name || !message) return;
    localStorage.setItem('chat.name', name);
    messageInput.value = '';
    try {
      await connection.invoke('Send', name, message);
    } catch (err) {
      show('', `not sent: ${err.message}`, 'notice');
    }
    messageInput.focus();
  });

  $('transport').textContent = forced === undefined ? 'auto' : requested;

  // The first start is retried too (automatic reconnect only covers connections that were up once).
  let reported = false;
  async function start() {
    try {
      await connection.start();
      document.body.dataset.transport = requested || 'auto';
      setState('connected');
      showServer();
      messageInput.focus();
    } catch (err) {
      setState('disconnected', 'offline, retrying…');
      if (!reported) show('', `could not connect: ${err.message}`, 'notice');
      reported = true;
      setTimeout(start, 3000);
    }
  }
  start();

  window.chat = { connection };  // for the console and the browser test
})();
