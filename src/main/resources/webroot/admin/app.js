// Aurora Booking admin console. Talks only to the public API (/api/auth/login, /api/admin/*) with the
// admin's bearer token, which is kept in sessionStorage: it lives as long as this tab and is never
// written to a cookie, so no other site can make the browser send it.
'use strict';

(() => {
  const POLL_MILLIS = 1000;
  const TOKEN_KEY = 'aurora.admin.token';
  const EMAIL_KEY = 'aurora.admin.email';
  const TOTALS = ['waiting', 'processing', 'enqueued', 'retried', 'stalledRecovered'];
  const SHARD_COLUMNS = ['waiting', 'processing', 'decidedPerSecond', 'CONFIRMED', 'SOLD_OUT', 'INTERNAL', 'retried',
    'stalledRecovered'];
  // The answers a booking gets, in the order the console shows them. Every one but INTERNAL is the system
  // working as it should; INTERNAL (a fault whose retries ran out) is shown apart, with the retries.
  const OUTCOMES = [
    ['CONFIRMED', 'Confirmed'], ['SOLD_OUT', 'Sold out'], ['WAITLISTED', 'Waitlisted'],
    ['ALREADY_BOOKED', 'Already booked'], ['EVENT_STARTED', 'Event started'], ['EVENT_NOT_FOUND', 'Event not found'],
    ['USER_NOT_FOUND', 'Account gone'], ['BOOKING_REFUSED', 'Refused by the database'],
    ['RATE_LIMITED', 'Rate limited (429)'],
  ];

  const $ = (id) => document.getElementById(id);
  const count = new Intl.NumberFormat('en');
  const rate = new Intl.NumberFormat('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  let token = sessionStorage.getItem(TOKEN_KEY);
  // Bumped at every log-in and log-out, so that a poll answered after the session changed is ignored.
  let session = 0;
  let pollTimer = null;

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (token) {
      headers.Authorization = 'Bearer ' + token;
    }
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    let response;
    try {
      response = await fetch(path, {
        method, headers, cache: 'no-store', credentials: 'omit',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, 'NETWORK', 'The server cannot be reached');
    }
    let json = null;
    try {
      json = await response.json();
    } catch (e) {
      // not JSON (a proxy's error page, say): the status alone tells what happened
    }
    if (!response.ok) {
      throw new ApiError(response.status, (json && json.error) || 'HTTP_' + response.status,
        (json && json.message) || response.statusText || 'Request failed');
    }
    return json;
  }

  function describe(error) {
    switch (error.status) {
      case 0:
        return 'The server cannot be reached. Retrying every second…';
      case 401:
        return 'Your session has ended (401 ' + error.code + '): please log in again.';
      case 403:
        return 'Refused (403 ' + error.code + '): this account is not an admin.';
      case 503:
        return 'Service unavailable (503): PostgreSQL or Redis cannot be reached. '
          + 'The figures below are from the last good answer; retrying every second…';
      default:
        return 'Error ' + error.status + ' ' + error.code + ': ' + error.message;
    }
  }

  // ---- views ----

  function show(element, visible) {
    element.hidden = !visible;
  }

  function showBanner(message) {
    $('banner').textContent = message;
    show($('banner'), true);
  }

  function hideBanner() {
    show($('banner'), false);
    $('banner').textContent = '';
  }

  function showLoginError(message) {
    $('login-error').textContent = message;
    show($('login-error'), true);
  }

  function showLogin(message) {
    show($('console-view'), false);
    show($('session'), false);
    show($('login-view'), true);
    hideBanner();
    if (message) {
      showLoginError(message);
    }
    $('login-email').focus();
  }

  function showConsole() {
    show($('login-view'), false);
    loadOnDemandScreens();
    show($('login-error'), false);
    $('session-email').textContent = sessionStorage.getItem(EMAIL_KEY) || '';
    show($('session'), true);
    show($('console-view'), true);
  }

  // ---- session ----

  function startSession(newToken, email) {
    token = newToken;
    sessionStorage.setItem(TOKEN_KEY, newToken);
    sessionStorage.setItem(EMAIL_KEY, email);
    session++;
    showConsole();
    refresh(session);
  }

  /** The screens read on demand rather than every second: the audit trail and the webhook endpoints. */
  function loadOnDemandScreens() {
    showAudit();
    loadWebhooks();
  }

  function endSession(message) {
    session++;
    clearTimeout(pollTimer);
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(EMAIL_KEY);
    $('action-result').textContent = '';
    selectedWebhook = null;
    showLogin(message);
  }

  async function logIn(event) {
    event.preventDefault();
    show($('login-error'), false);
    const email = $('login-email').value.trim();
    const password = $('login-password').value;
    $('login-submit').disabled = true;
    token = null;
    try {
      const answer = await api('POST', '/api/auth/login', { email, password });
      if (answer.user.role !== 'ADMIN') {
        showLoginError('Refused: ' + answer.user.email + ' is not an admin. The console is for admins only.');
        return;
      }
      $('login-password').value = '';
      startSession(answer.token, answer.user.email);
    } catch (error) {
      showLoginError(error.status === 401 ? 'Email or password is wrong.'
        : error.status === 400 ? 'Check the email and password: ' + error.message : describe(error));
    } finally {
      $('login-submit').disabled = false;
    }
  }

  // ---- live figures ----

  async function refresh(mine) {
    try {
      const [stats, analytics, timeline, internal, cluster] = await Promise.all([
        api('GET', '/api/admin/queue/stats'),
        api('GET', '/api/admin/analytics'),
        api('GET', '/api/admin/queue/timeline'),
        api('GET', '/api/admin/jobs/internal?limit=50'),
        api('GET', '/api/admin/cluster'),
      ]);
      if (mine !== session) {
        return;
      }
      renderCluster(cluster);
      renderStats(stats);
      renderEvents(analytics);
      renderTimeline(timeline);
      renderInternal(internal.jobs);
      loadDeliveries(mine);
      hideBanner();
      $('last-updated').textContent = new Date().toLocaleTimeString('en-GB');
    } catch (error) {
      if (mine !== session) {
        return;
      }
      if (error.status === 401 || error.status === 403) {
        endSession(describe(error));
        return;
      }
      showBanner(describe(error));
    } finally {
      if (mine === session) {
        pollTimer = setTimeout(() => refresh(mine), POLL_MILLIS);
      }
    }
  }

  // ---- charts (uPlot, vendored: uplot.min.js) ----

  const COLOURS = ['#2f5fd0', '#1f8a4c', '#b86e00', '#8e44ad', '#c62828', '#00838f', '#5d4037', '#37474f'];
  const charts = {};

  function chartWidth(id) {
    return Math.max(280, $(id).clientWidth || 320);
  }

  // x: seconds (uPlot's time axis), shown in the browser's own time zone.
  function drawChart(id, series, data) {
    const figure = $(id);
    figure.dataset.points = String(data[0].length);
    if (typeof uPlot === 'undefined') {
      return; // the library did not load: the figures above still tell the story
    }
    const existing = charts[id];
    if (existing && existing.series.length === series.length + 1) {
      existing.setData(data);
      return;
    }
    if (existing) {
      existing.destroy();
    }
    charts[id] = new uPlot({
      width: chartWidth(id),
      height: 180,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [{}, { values: (u, ticks) => ticks.map((t) => count.format(t)) }],
      series: [{}].concat(series.map((label, i) => ({
        label, stroke: COLOURS[i % COLOURS.length], width: 1.5, spanGaps: false,
        value: (u, v) => (v == null ? '–' : count.format(v)),
      }))),
    }, data, figure);
  }

  function renderTimeline(timeline) {
    const x = timeline.at.map((ms) => ms / 1000);
    drawChart('chart-rates', ['Enqueued / s', 'Decided / s', 'Throttled / s'],
      [x, timeline.enqueuedPerSecond, timeline.decidedPerSecond, timeline.throttledPerSecond]);
    drawChart('chart-wait', ['p99 wait (ms)'], [x, timeline.p99WaitMillis]);
    drawChart('chart-depth', timeline.depthPerShard.map((_, shard) => 'Shard ' + shard),
      [x].concat(timeline.depthPerShard));
  }

  window.addEventListener('resize', () => {
    Object.keys(charts).forEach((id) => charts[id].setSize({ width: chartWidth(id), height: 180 }));
  });

  /** An action changed something: poll now rather than at the next tick. */
  function refreshSoon() {
    clearTimeout(pollTimer);
    const mine = session;
    pollTimer = setTimeout(() => refresh(mine), 0);
  }

  function renderQueueState(paused, pausedEvents) {
    const badge = $('queue-state');
    badge.classList.toggle('paused', paused);
    badge.classList.toggle('running', !paused);
    badge.textContent = paused ? 'Paused'
      : pausedEvents > 0 ? 'Running (' + pausedEvents + (pausedEvents === 1 ? ' event' : ' events') + ' paused)'
        : 'Running';
  }

  function outcomeTiles() {
    return OUTCOMES.map(([key, label]) => {
      const tile = document.createElement('div');
      tile.className = key === 'CONFIRMED' ? 'tile good' : 'tile';
      const name = document.createElement('span');
      name.className = 'label';
      name.textContent = label;
      const value = document.createElement('span');
      value.className = 'value';
      value.id = 'outcome-' + outcomeId(key);
      value.dataset.testid = value.id;
      value.textContent = '–';
      tile.append(name, value);
      return tile;
    });
  }

  function outcomeId(key) {
    return key.toLowerCase().replace(/_/g, '-');
  }

  function renderOutcomes(outcomes) {
    OUTCOMES.forEach(([key]) => {
      $('outcome-' + outcomeId(key)).textContent = count.format(outcomes[key] || 0);
    });
    $('outcome-internal').textContent = count.format(outcomes.INTERNAL || 0);
    $('internal-tile').classList.toggle('nonzero', (outcomes.INTERNAL || 0) > 0);
  }

  function renderStats(stats) {
    const total = stats.total;
    TOTALS.forEach((key) => {
      $('total-' + kebab(key)).textContent = count.format(total[key]);
    });
    renderOutcomes(total.outcomes);
    $('retried-tile').classList.toggle('nonzero', total.retried > 0);
    $('total-decided-per-second').textContent = rate.format(total.decidedPerSecond);
    // Requests refused with 429 cluster-wide in the last minute (rate limits, open-job quota, login lockout).
    $('throttled-per-minute').textContent = count.format(stats.throttled ? stats.throttled.lastMinute : 0);
    pausedEvents = new Set(stats.shards.flatMap((shard) => shard.pausedEvents));
    renderQueueState(stats.paused, pausedEvents.size);
    $('shard-rows').replaceChildren(...stats.shards.map(shardRow));
  }

  function shardRow(shard) {
    const row = document.createElement('tr');
    row.dataset.testid = 'shard-' + shard.shard;
    row.append(cell(String(shard.shard)));
    const state = shard.paused ? 'paused'
      : shard.pausedEvents.length > 0 ? 'events ' + shard.pausedEvents.join(', ') + ' paused' : 'running';
    row.append(cell(state, shard.paused ? 'paused-text' : ''));
    SHARD_COLUMNS.forEach((key) => {
      const outcome = key in shard.outcomes;
      const figure = outcome ? shard.outcomes[key] : shard[key];
      const value = key === 'decidedPerSecond' ? rate.format(figure) : count.format(figure);
      const td = cell(value, 'num');
      td.dataset.testid = 'shard-' + shard.shard + '-' + (outcome ? outcomeId(key) : kebab(key));
      row.append(td);
    });
    return row;
  }

  // ---- events ----

  const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const eventRows = new Map();
  let pausedEvents = new Set();
  let editing = null;

  function renderEvents(analytics) {
    const bookings = analytics.bookings;
    $('bookings-confirmed').textContent = count.format(bookings.confirmed);
    $('seats-confirmed').textContent = count.format(bookings.seatsConfirmed);
    $('bookings-cancelled').textContent = count.format(bookings.cancelled);
    const events = analytics.capacityUtilisation;
    // Rows are updated in place, not rebuilt, so a button keeps the keyboard focus across the polls.
    const seen = new Set();
    events.forEach((event) => {
      seen.add(event.id);
      if (!eventRows.has(event.id)) {
        eventRows.set(event.id, eventRow(event.id));
      }
      fillEventRow(eventRows.get(event.id), event);
    });
    [...eventRows.keys()].filter((id) => !seen.has(id)).forEach((id) => {
      eventRows.get(id).row.remove();
      eventRows.delete(id);
    });
    $('event-rows').append(...events.map((event) => eventRows.get(event.id).row));
    show($('no-events'), events.length === 0);
  }

  function eventRow(id) {
    const row = document.createElement('tr');
    const testid = 'event-' + id;
    row.dataset.testid = testid;
    const cells = {};
    [['id', 'num'], ['name', 'name'], ['starts', ''], ['capacity', 'num'], ['booked', 'num'], ['seats-left', 'num'],
      ['waitlist', 'num'], ['sold-out-at', ''], ['sold', 'sold'], ['queue-state', '']].forEach(([key, className]) => {
      const td = cell('', className);
      td.dataset.testid = testid + '-' + key;
      cells[key] = td;
      row.append(td);
    });
    const meter = document.createElement('meter');
    meter.min = 0;
    meter.max = 100;
    meter.high = 90;
    meter.optimum = 0;
    const label = document.createElement('span');
    label.dataset.testid = testid + '-utilisation';
    cells.sold.removeAttribute('data-testid');
    cells.sold.append(meter, label);
    const actions = cell('', 'actions-cell');
    const edit = button('Edit', testid + '-edit');
    const pause = button('Pause', testid + '-pause');
    actions.append(edit, pause);
    row.append(actions);
    const entry = { row, cells, meter, label, edit, pause, event: null };
    edit.addEventListener('click', () => openEditor(entry.event));
    pause.addEventListener('click', () => togglePause(entry));
    return entry;
  }

  function button(text, testid) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = text;
    b.dataset.testid = testid;
    return b;
  }

  function fillEventRow(entry, event) {
    entry.event = event;
    const c = entry.cells;
    c.id.textContent = String(event.id);
    c.name.textContent = event.name;
    c.starts.textContent = when.format(new Date(event.startsAt));
    c.capacity.textContent = count.format(event.capacity);
    c.booked.textContent = count.format(event.booked);
    c['seats-left'].textContent = count.format(event.seatsLeft);
    c.waitlist.textContent = count.format(event.waitlisted);
    c['sold-out-at'].textContent = event.soldOutAt ? when.format(new Date(event.soldOutAt)) : '–';
    entry.meter.value = event.utilisation;
    entry.label.textContent = rate.format(event.utilisation) + ' %';
    const paused = pausedEvents.has(event.id);
    c['queue-state'].textContent = paused ? 'paused' : 'running';
    c['queue-state'].className = paused ? 'paused-text' : '';
    entry.pause.textContent = paused ? 'Resume' : 'Pause';
    entry.pause.setAttribute('aria-label', (paused ? 'Resume ' : 'Pause ') + event.name);
    entry.edit.setAttribute('aria-label', 'Edit ' + event.name);
    entry.row.classList.toggle('sold-out', event.seatsLeft === 0);
  }

  /** The value of a datetime-local input for an instant, in the operator's time zone. */
  function localInput(iso) {
    const d = new Date(iso);
    const pad = (n) => String(n).padStart(2, '0');
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate())
      + 'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
  }

  /** A datetime-local value (the operator's time) as the API's instant; null when it is not a date. */
  function instantOf(value) {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }

  function openEditor(event) {
    editing = event;
    $('edit-name').textContent = event.name + ' (#' + event.id + ')';
    $('edit-capacity').value = String(event.capacity);
    $('edit-starts').value = localInput(event.startsAt);
    show($('delete-confirm'), false);
    show($('edit-form'), true);
    $('edit-capacity').focus();
  }

  function closeEditor() {
    const id = editing && editing.id;
    editing = null;
    show($('edit-form'), false);
    if (id && eventRows.has(id)) {
      eventRows.get(id).edit.focus();
    }
  }

  /** Runs an admin call from the events card; its outcome goes to the card's status line. */
  async function eventAction(call, describeResult) {
    const result = $('event-result');
    result.classList.remove('error');
    try {
      const answer = await call();
      result.textContent = describeResult(answer);
      refreshSoon();
      return answer;
    } catch (error) {
      showFailure(result, error);
      throw error;
    }
  }

  async function createEvent(e) {
    e.preventDefault();
    const startsAt = instantOf($('event-starts').value);
    const capacity = Number($('event-capacity').value);
    if (!startsAt || !Number.isInteger(capacity)) {
      $('event-result').classList.add('error');
      $('event-result').textContent = 'Give the start as a date and time, and the capacity as a whole number.';
      return;
    }
    const body = { name: $('event-name').value.trim(), venue: $('event-venue').value.trim(), startsAt, capacity };
    try {
      await eventAction(() => api('POST', '/api/events/create', body),
        (created) => 'Created event #' + created.id + ' “' + created.name + '”.');
      $('event-form').reset();
    } catch (error) {
      // shown in the status line
    }
  }

  async function saveEvent(e) {
    e.preventDefault();
    const startsAt = instantOf($('edit-starts').value);
    const capacity = Number($('edit-capacity').value);
    if (!editing || !startsAt || !Number.isInteger(capacity)) {
      $('event-result').classList.add('error');
      $('event-result').textContent = 'Give the start as a date and time, and the capacity as a whole number.';
      return;
    }
    const id = editing.id;
    try {
      await eventAction(() => api('PUT', '/api/events/' + id + '/update', { capacity, startsAt }),
        (event) => 'Saved event #' + event.id + ': capacity ' + count.format(event.capacity)
          + ', starts ' + when.format(new Date(event.startsAt)) + '.');
      closeEditor();
    } catch (error) {
      // shown in the status line
    }
  }

  async function deleteEvent(force) {
    if (!editing) {
      return;
    }
    const id = editing.id;
    try {
      await eventAction(() => api('DELETE', '/api/events/' + id + '/delete' + (force ? '?force=true' : '')),
        (answer) => 'Deleted event #' + answer.id + (answer.cancelledBookings > 0
          ? '; ' + count.format(answer.cancelledBookings) + ' bookings cancelled.' : '.'));
      show($('delete-confirm'), false);
      closeEditor();
    } catch (error) {
      if (error.status === 409 && !force) {
        // Seats are booked: the operator confirms that they are to be cancelled.
        $('delete-message').textContent = error.message + '. Deleting it cancels those bookings.';
        show($('delete-confirm'), true);
        $('delete-force').focus();
      }
    }
  }

  async function togglePause(entry) {
    const event = entry.event;
    const pause = !pausedEvents.has(event.id);
    try {
      await eventAction(() => api('POST', '/api/admin/queue/' + (pause ? 'pause' : 'resume') + '?eventId=' + event.id),
        () => (pause ? 'Paused' : 'Resumed') + ' the jobs of event #' + event.id + ' “' + event.name + '”.');
      if (pause) {
        pausedEvents.add(event.id);
      } else {
        pausedEvents.delete(event.id);
      }
      fillEventRow(entry, event);
    } catch (error) {
      // shown in the status line
    }
  }

  // ---- cluster ----

  function renderCluster(cluster) {
    $('cluster-summary').textContent = (cluster.clustered ? 'Cluster ' + (cluster.clusterName || '') : 'A single node')
      + ': ' + count.format(cluster.nodes.length) + (cluster.nodes.length === 1 ? ' node' : ' nodes')
      + (cluster.unownedShards.length > 0 ? '; shards without an owner: ' + cluster.unownedShards.join(', ') : '; every shard owned')
      + '.';
    $('node-rows').replaceChildren(...cluster.nodes.map((node) => {
      const row = document.createElement('tr');
      row.dataset.testid = 'node-' + node.name;
      row.append(cell(node.name + (node.self ? ' (this node)' : ''), 'name'), cell(node.id, 'mono'),
        cell(node.workers == null ? '–' : count.format(node.workers), 'num'), cell(list(node.shards)),
        cell(list(node.assignedShards)));
      return row;
    }));
    $('owner-rows').replaceChildren(...cluster.shards.map((shard) => {
      const row = document.createElement('tr');
      row.dataset.testid = 'owner-' + shard.shard;
      const values = [[String(shard.shard), 'num', 'shard'], [shard.ownerName || shard.owner || '–', '', 'name'],
        [shard.epoch == null ? '–' : count.format(shard.epoch), 'num', 'epoch'],
        [shard.ownerAlive ? 'yes' : 'no', shard.ownerAlive ? '' : 'paused-text', 'alive'],
        [shard.ownedSince ? when.format(new Date(shard.ownedSince)) : '–', '', 'since'],
        [count.format(shard.waiting || 0), 'num', 'waiting'], [count.format(shard.processing || 0), 'num', 'processing']];
      values.forEach(([text, className, key]) => {
        const td = cell(text, className);
        td.dataset.testid = 'owner-' + shard.shard + '-' + key;
        row.append(td);
      });
      return row;
    }));
  }

  function list(values) {
    return values && values.length > 0 ? values.join(', ') : '–';
  }

  // ---- jobs ----

  function jobState(job) {
    return job.status === 'failed' ? 'failed' : job.status;
  }

  function jobRow(job) {
    const row = document.createElement('tr');
    const id = 'job-' + job.jobId;
    row.dataset.testid = id;
    const values = [
      ['id', job.jobId, 'mono'], ['user', String(job.userId), 'num'], ['event', String(job.eventId), 'num'],
      ['status', jobState(job), ''], ['position', job.queuePosition == null ? '–' : count.format(job.queuePosition), 'num'],
      ['attempts', count.format(job.attempts), 'num'],
      ['outcome', job.status === 'completed' ? 'CONFIRMED' + (job.result ? ' (booking ' + job.result.bookingId + ')' : '')
        : job.error || '–', ''],
      ['enqueued', job.enqueuedAt ? when.format(new Date(job.enqueuedAt)) : '–', ''],
      ['finished', job.finishedAt ? when.format(new Date(job.finishedAt)) : '–', ''],
    ];
    appendKeyedCells(row, id, values);
    return row;
  }

  async function findJobs(e) {
    e.preventDefault();
    const query = $('job-query').value.trim();
    const byEmail = query.includes('@');
    const result = $('job-result');
    result.classList.remove('error');
    try {
      const answer = byEmail
        ? await api('GET', '/api/admin/jobs?email=' + encodeURIComponent(query))
        : await api('GET', '/api/admin/jobs/' + encodeURIComponent(query));
      const jobs = byEmail ? answer.jobs : [answer];
      $('job-rows').replaceChildren(...jobs.map(jobRow));
      result.textContent = byEmail ? count.format(jobs.length) + ' job' + (jobs.length === 1 ? '' : 's') + ' of ' + query
        + ' (the newest first).' : 'Job ' + query + '.';
    } catch (error) {
      $('job-rows').replaceChildren();
      if (error.status === 401 || error.status === 403) {
        endSession(describe(error));
        return;
      }
      result.classList.add('error');
      result.textContent = error.status === 404 ? (byEmail ? 'No user with that email.' : 'No such job (unknown, or its record has expired).')
        : describe(error);
    }
  }

  function renderInternal(jobs) {
    renderRowsOnChange('internal-rows', 'no-internal', jobs.map((job) => job.jobId).join(' '), jobs, internalRow);
  }

  function internalRow(job) {
    const row = document.createElement('tr');
    const id = 'internal-' + job.jobId;
    row.dataset.testid = id;
    row.append(cell(job.jobId, 'mono'), cell(String(job.userId), 'num'), cell(String(job.eventId), 'num'),
      cell(count.format(job.attempts), 'num'), cell(job.finishedAt ? when.format(new Date(job.finishedAt)) : '–'));
    const actions = cell('', 'actions-cell');
    const retry = button('Retry', id + '-retry');
    retry.setAttribute('aria-label', 'Retry job ' + job.jobId);
    retry.addEventListener('click', () => retryJob(job.jobId, retry));
    actions.append(retry);
    row.append(actions);
    return row;
  }

  async function retryJob(jobId, retryButton) {
    retryButton.disabled = true;
    const result = $('job-result');
    result.classList.remove('error');
    try {
      await api('POST', '/api/admin/jobs/' + encodeURIComponent(jobId) + '/retry');
      result.textContent = 'Job ' + jobId + ' is back in line; it is decided again shortly.';
      refreshSoon();
    } catch (error) {
      retryButton.disabled = false;
      showFailure(result, error);
    }
  }

  // ---- audit trail ----

  let auditQuery = '';
  let auditNext = null;

  /** The filter form as the API's query string (instants from the operator's local times); null when invalid. */
  function auditFilter() {
    const params = new URLSearchParams();
    const ids = [['actor', 'audit-actor'], ['event', 'audit-event']];
    for (const [name, id] of ids) {
      const value = $(id).value.trim();
      if (value !== '') {
        if (!/^[1-9][0-9]{0,17}$/.test(value)) {
          return null;
        }
        params.set(name, value);
      }
    }
    if ($('audit-action').value) {
      params.set('action', $('audit-action').value);
    }
    for (const [name, id] of [['from', 'audit-from'], ['to', 'audit-to']]) {
      if ($(id).value) {
        const at = instantOf($(id).value);
        if (!at) {
          return null;
        }
        params.set(name, at);
      }
    }
    params.set('limit', '50');
    return params.toString();
  }

  async function showAudit(e) {
    if (e) {
      e.preventDefault();
    }
    const query = auditFilter();
    const result = $('audit-result');
    result.classList.remove('error');
    if (query === null) {
      result.classList.add('error');
      result.textContent = 'Give the actor and event as ids (whole numbers), and the times as dates and times.';
      return;
    }
    auditQuery = query;
    await loadAudit(null);
  }

  async function loadAudit(cursor) {
    const result = $('audit-result');
    try {
      const page = await api('GET', '/api/admin/audit?' + auditQuery + (cursor ? '&cursor=' + cursor : ''));
      const rows = page.entries.map(auditRow);
      if (cursor) {
        $('audit-rows').append(...rows);
      } else {
        $('audit-rows').replaceChildren(...rows);
      }
      auditNext = page.next;
      show($('audit-more'), auditNext !== null);
      const shown = $('audit-rows').children.length;
      result.classList.remove('error');
      result.textContent = count.format(shown) + (shown === 1 ? ' entry' : ' entries') + ' shown'
        + (auditNext ? '; more with “More”.' : ', all that match.');
    } catch (error) {
      showFailure(result, error);
    }
  }

  function auditRow(entry) {
    const row = document.createElement('tr');
    const id = 'audit-' + entry.id;
    row.dataset.testid = id;
    const target = entry.targetType ? entry.targetType + (entry.targetId ? ' ' + entry.targetId : '') : '–';
    const values = [['id', String(entry.id), 'num'], ['at', when.format(new Date(entry.at)), ''], ['action', entry.action, ''],
      ['actor', entry.actorId == null ? (entry.actorRole || 'system') : '#' + entry.actorId + (entry.actorRole ? ' ' + entry.actorRole : ''), ''],
      ['target', target, ''], ['event', entry.eventId == null ? '–' : String(entry.eventId), 'num'],
      ['job', entry.jobId || '–', 'mono'], ['chain', entry.chain + ' #' + count.format(entry.seq), 'mono']];
    appendKeyedCells(row, id, values);
    return row;
  }

  async function verifyAudit() {
    const result = $('audit-result');
    $('audit-verify').disabled = true;
    result.classList.remove('error');
    try {
      const verdict = await api('GET', '/api/admin/audit/verify');
      $('chain-rows').replaceChildren(...verdict.chains.map((chain) => {
        const row = document.createElement('tr');
        row.dataset.testid = 'chain-' + chain.chain;
        const broken = chain.firstBroken;
        const ok = cell(chain.valid ? 'ok' : 'broken', chain.valid ? 'ok-text' : 'bad-text');
        ok.dataset.testid = 'chain-' + chain.chain + '-result';
        row.append(cell(chain.chain, 'mono'), ok, cell(count.format(chain.rows), 'num'),
          cell(chain.firstSeq == null ? '–' : count.format(chain.firstSeq), 'num'),
          cell(chain.lastSeq == null ? '–' : count.format(chain.lastSeq), 'num'),
          cell(broken ? 'seq ' + count.format(broken.seq) + (broken.id == null ? '' : ' (row ' + broken.id + ')') + ': ' + broken.fault : '–'));
        return row;
      }));
      show($('audit-verdict'), true);
      result.textContent = verdict.valid
        ? 'Every chain verified: ' + count.format(verdict.rows) + ' rows in ' + count.format(verdict.chains.length)
          + (verdict.chains.length === 1 ? ' chain' : ' chains') + ', none altered.'
        : 'A chain is broken: chain ' + verdict.firstBroken.chain + ', seq ' + count.format(verdict.firstBroken.seq)
          + ' (' + verdict.firstBroken.fault + ').';
      result.classList.toggle('error', !verdict.valid);
    } catch (error) {
      showFailure(result, error);
    } finally {
      $('audit-verify').disabled = false;
    }
  }

  // ---- webhooks ----

  let selectedWebhook = null;

  /** Runs a webhook call; its outcome goes to the card's status line. Null when it failed. */
  async function webhookAction(call, describeResult) {
    const result = $('webhook-result');
    result.classList.remove('error');
    try {
      const answer = await call();
      if (describeResult) {
        result.textContent = describeResult(answer);
      }
      return answer;
    } catch (error) {
      showFailure(result, error);
      return null;
    }
  }

  async function loadWebhooks() {
    const answer = await webhookAction(() => api('GET', '/api/admin/webhooks'));
    if (!answer) {
      return;
    }
    $('webhook-rows').replaceChildren(...answer.webhooks.map(webhookRow));
    show($('no-webhooks'), answer.webhooks.length === 0);
    if (selectedWebhook && !answer.webhooks.some((hook) => hook.id === selectedWebhook.id)) {
      selectWebhook(null);
    }
  }

  function webhookRow(hook) {
    const row = document.createElement('tr');
    const id = 'webhook-' + hook.id;
    row.dataset.testid = id;
    row.append(cell(String(hook.id), 'num'), cell(hook.url, 'url'), cell(hook.events.join(', ')),
      cell(when.format(new Date(hook.createdAt))));
    const actions = cell('', 'actions-cell');
    const deliveries = button('Deliveries', id + '-deliveries');
    deliveries.setAttribute('aria-label', 'Deliveries of webhook ' + hook.id);
    deliveries.addEventListener('click', () => selectWebhook(hook));
    const remove = button('Delete', id + '-delete');
    remove.className = 'danger';
    remove.setAttribute('aria-label', 'Delete webhook ' + hook.id);
    remove.addEventListener('click', () => deleteWebhook(hook));
    actions.append(deliveries, remove);
    row.append(actions);
    return row;
  }

  async function createWebhook(e) {
    e.preventDefault();
    const events = [...document.querySelectorAll('input[name="webhook-event"]:checked')].map((box) => box.value);
    if (events.length === 0) {
      $('webhook-result').classList.add('error');
      $('webhook-result').textContent = 'Choose at least one event.';
      return;
    }
    const created = await webhookAction(() => api('POST', '/api/admin/webhooks', { url: $('webhook-url').value.trim(), events }),
      (hook) => 'Created webhook #' + hook.id + '. Its signing secret, shown this once: ' + hook.secret);
    if (created) {
      $('webhook-form').reset();
      await loadWebhooks();
      selectWebhook(created);
    }
  }

  async function deleteWebhook(hook) {
    const deleted = await webhookAction(() => api('DELETE', '/api/admin/webhooks/' + hook.id),
      () => 'Deleted webhook #' + hook.id + '.');
    if (deleted) {
      await loadWebhooks();
    }
  }

  function selectWebhook(hook) {
    selectedWebhook = hook;
    delete shownRows['delivery-rows'];
    show($('deliveries'), hook !== null);
    $('delivery-rows').replaceChildren();
    if (hook) {
      $('deliveries-of').textContent = 'webhook #' + hook.id + ' (' + hook.url + ')';
      loadDeliveries(session);
    }
  }

  /** Called by every poll while a webhook is chosen: its deliveries' states change as they are sent. */
  async function loadDeliveries(mine) {
    const hook = selectedWebhook;
    if (!hook) {
      return;
    }
    try {
      const answer = await api('GET', '/api/admin/webhooks/' + hook.id + '/deliveries?limit=50');
      if (mine !== session || hook !== selectedWebhook) {
        return;
      }
      renderDeliveries(answer.deliveries);
    } catch (error) {
      if (mine === session && error.status === 404 && hook === selectedWebhook) {
        selectWebhook(null);
      }
      // other failures show in the banner through the poll
    }
  }

  function renderDeliveries(deliveries) {
    renderRowsOnChange('delivery-rows', 'no-deliveries',
      deliveries.map((d) => d.id + ':' + d.status + ':' + d.attempts).join(' '), deliveries, deliveryRow);
  }

  function deliveryRow(delivery) {
    const row = document.createElement('tr');
    const id = 'delivery-' + delivery.id;
    row.dataset.testid = id;
    const values = [['id', String(delivery.id), 'num'], ['event', delivery.event, ''],
      ['status', delivery.status, delivery.status === 'DELIVERED' ? 'ok-text' : delivery.status === 'DEAD' ? 'bad-text' : ''],
      ['attempts', count.format(delivery.attempts), 'num'],
      ['last-status', delivery.lastStatus == null ? '–' : String(delivery.lastStatus), 'num'],
      ['last-error', delivery.lastError || '–', ''],
      ['created', when.format(new Date(delivery.createdAt)), ''],
      ['delivered', delivery.deliveredAt ? when.format(new Date(delivery.deliveredAt)) : '–', '']];
    appendKeyedCells(row, id, values);
    const actions = cell('', 'actions-cell');
    const replay = button('Replay', id + '-replay');
    replay.setAttribute('aria-label', 'Replay delivery ' + delivery.id);
    replay.addEventListener('click', () => replayDelivery(delivery, replay));
    actions.append(replay);
    row.append(actions);
    return row;
  }

  async function replayDelivery(delivery, replayButton) {
    const hook = selectedWebhook;
    replayButton.disabled = true;
    const replayed = await webhookAction(
      () => api('POST', '/api/admin/webhooks/' + hook.id + '/deliveries/' + delivery.id + '/replay'),
      () => 'Delivery ' + delivery.id + ' is sent again (same webhook-id, attempts counted afresh).');
    if (!replayed) {
      replayButton.disabled = false;
      return;
    }
    delete shownRows['delivery-rows'];
    loadDeliveries(session);
  }

  /** The lists last put in each table by renderRowsOnChange, by the table body's id. */
  const shownRows = {};

  /**
   * Replaces a table's rows only when its list changed (as {@code key} says), so a button in it keeps the
   * keyboard focus across the polls.
   */
  function renderRowsOnChange(tbodyId, emptyId, key, items, rowOf) {
    if (shownRows[tbodyId] === key) {
      return;
    }
    shownRows[tbodyId] = key;
    $(tbodyId).replaceChildren(...items.map(rowOf));
    show($(emptyId), items.length === 0);
  }

  /** Appends [key, text, className] cells to a row, each with the test id "<id>-<key>". */
  function appendKeyedCells(row, id, values) {
    values.forEach(([key, text, className]) => {
      const td = cell(text, className);
      td.dataset.testid = id + '-' + key;
      row.append(td);
    });
  }

  /** A failed call in a card: a 401 or 403 ends the session with the reason, anything else goes to the status line. */
  function showFailure(result, error) {
    if (error.status === 401 || error.status === 403) {
      endSession(describe(error));
      return;
    }
    result.classList.add('error');
    result.textContent = describe(error);
  }

  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) {
      td.className = className;
    }
    return td;
  }

  function kebab(key) {
    return key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
  }

  // ---- queue actions ----

  async function queueAction(path, describeResult) {
    const buttons = [$('pause-queue'), $('resume-queue'), $('clean-queue')];
    buttons.forEach((b) => { b.disabled = true; });
    $('action-result').classList.remove('error');
    try {
      const answer = await api('POST', path);
      $('action-result').textContent = describeResult(answer);
      return answer;
    } catch (error) {
      if (error.status === 401 || error.status === 403) {
        endSession(describe(error));
      } else {
        $('action-result').classList.add('error');
        $('action-result').textContent = describe(error);
      }
      return null;
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  async function pauseQueue() {
    const answer = await queueAction('/api/admin/queue/pause',
      () => 'Queue paused: workers stop taking jobs within a second. Bookings are still accepted and wait in line.');
    if (answer) {
      renderQueueState(true, 0);
    }
  }

  async function resumeQueue() {
    const answer = await queueAction('/api/admin/queue/resume', () => 'Queue resumed.');
    if (answer) {
      renderQueueState(false, 0);
    }
  }

  function cleanQueue() {
    const olderThan = $('clean-older-than').value.trim();
    if (!/^[0-9]+$/.test(olderThan)) {
      $('action-result').classList.add('error');
      $('action-result').textContent = 'Give the age in whole seconds (0 or more).';
      return;
    }
    queueAction('/api/admin/queue/clean?olderThan=' + olderThan,
      (answer) => 'Removed ' + count.format(answer.removed) + ' finished job record'
        + (answer.removed === 1 ? '' : 's') + ' older than ' + answer.olderThanSeconds + ' s.');
  }

  // ---- start ----

  $('outcome-tiles').replaceChildren(...outcomeTiles());
  $('time-zone').textContent = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
  $('login-form').addEventListener('submit', logIn);
  $('logout').addEventListener('click', () => endSession());
  $('pause-queue').addEventListener('click', pauseQueue);
  $('resume-queue').addEventListener('click', resumeQueue);
  $('clean-queue').addEventListener('click', cleanQueue);
  $('event-form').addEventListener('submit', createEvent);
  $('job-search').addEventListener('submit', findJobs);
  $('edit-form').addEventListener('submit', saveEvent);
  $('edit-close').addEventListener('click', closeEditor);
  $('edit-delete').addEventListener('click', () => deleteEvent(false));
  $('delete-force').addEventListener('click', () => deleteEvent(true));
  $('delete-keep').addEventListener('click', () => show($('delete-confirm'), false));
  $('audit-filter').addEventListener('submit', showAudit);
  $('audit-more').addEventListener('click', () => loadAudit(auditNext));
  $('audit-verify').addEventListener('click', verifyAudit);
  $('webhook-form').addEventListener('submit', createWebhook);

  if (token) {
    // A reload of the tab: the first poll tells whether the stored token is still good.
    session++;
    showConsole();
    refresh(session);
  } else {
    showLogin();
  }
})();
