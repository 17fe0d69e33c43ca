// Terminal recordings in asciicast v2 (asciinema's format): parsing (a JSON header line, then
// one [seconds, code, data] line per event: "o" output, "r" resize "COLSxROWS"), long pauses
// shortened, and a player that replays the events with their timing on any screen (an xterm),
// at 1x/2x/4x or at once, with pause and seek (a seek back resets the screen and replays up to
// the time at once).

export interface CastHeader {
  version: 2;
  width: number;
  height: number;
  /** Unix time of the start, in seconds. */
  timestamp?: number;
  title?: string;
  env?: Record<string, unknown>;
}

export type CastEvent =
  | { time: number; type: 'o'; data: string }
  | { time: number; type: 'r'; cols: number; rows: number };

export interface Cast {
  header: CastHeader;
  /** Output and resize events in time order (input and marker events are left out). */
  events: CastEvent[];
  /** Seconds: the time of the last event. */
  duration: number;
}

/** A recording that is not asciicast v2; `line` is 1-based. */
export class CastError extends Error {
  readonly line: number;
  constructor(line: number, reason: string) {
    super(`line ${line}: ${reason}`);
    this.name = 'CastError';
    this.line = line;
  }
}

const RESIZE = /^(\d+)x(\d+)$/;
const positiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** Parses an asciicast v2 recording; a line that is not one names itself in the CastError. */
export function parseCast(text: string): Cast {
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && !lines[i].trim()) i++;
  if (i === lines.length) throw new CastError(1, 'empty recording: no header line');
  let header: unknown;
  try {
    header = JSON.parse(lines[i]);
  } catch {
    throw new CastError(i + 1, 'the header is not JSON');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new CastError(i + 1, 'the header is not a JSON object');
  const h = header as Record<string, unknown>;
  if (h.version !== 2) throw new CastError(i + 1, `asciicast version ${JSON.stringify(h.version)}, only version 2 is read`);
  if (!positiveInt(h.width) || !positiveInt(h.height)) throw new CastError(i + 1, 'the header needs a positive width and height');

  const events: { e: CastEvent; at: number }[] = [];
  for (let n = i + 1; n < lines.length; n++) {
    const line = lines[n].trim();
    if (!line) continue;
    let ev: unknown;
    try {
      ev = JSON.parse(line);
    } catch {
      throw new CastError(n + 1, 'not JSON');
    }
    if (!Array.isArray(ev) || ev.length < 3) throw new CastError(n + 1, 'an event is [time, code, data]');
    const [time, code, data] = ev;
    if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) throw new CastError(n + 1, 'the time is not a number of seconds ≥ 0');
    if (typeof code !== 'string' || typeof data !== 'string') throw new CastError(n + 1, 'the code and the data must be strings');
    if (code === 'o') events.push({ e: { time, type: 'o', data }, at: n });
    else if (code === 'r') {
      const m = RESIZE.exec(data);
      if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new CastError(n + 1, `a resize is "COLSxROWS", not ${JSON.stringify(data)}`);
      events.push({ e: { time, type: 'r', cols: Number(m[1]), rows: Number(m[2]) }, at: n });
    }
  }
  // times should only grow; a line out of order is played at its time, ties in file order
  events.sort((a, b) => a.e.time - b.e.time || a.at - b.at);
  const clean = events.map((x) => x.e);
  return {
    header: {
      version: 2,
      width: h.width,
      height: h.height,
      ...(typeof h.timestamp === 'number' ? { timestamp: h.timestamp } : {}),
      ...(typeof h.title === 'string' ? { title: h.title } : {}),
      ...(h.env && typeof h.env === 'object' ? { env: h.env as Record<string, unknown> } : {}),
    },
    events: clean,
    duration: clean.length ? clean[clean.length - 1].time : 0,
  };
}

/** The events with every pause longer than `limit` seconds cut to `limit` (asciinema's idle_time_limit). */
export function limitIdle(events: CastEvent[], limit: number): CastEvent[] {
  let shift = 0;
  let last = 0;
  return events.map((e) => {
    const gap = e.time - last;
    if (gap > limit) shift += gap - limit;
    last = e.time;
    return { ...e, time: Math.round((e.time - shift) * 1e6) / 1e6 };
  });
}

/** Where the player draws. */
export interface Screen {
  write(data: string): void;
  resize(cols: number, rows: number): void;
  /** Blank screen of this size (before replaying from the start). */
  reset(cols: number, rows: number): void;
}

export interface Clock {
  now(): number;
  setTimer(cb: () => void, ms: number): unknown;
  clearTimer(t: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimer: (cb, ms) => setTimeout(cb, ms),
  clearTimer: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
};

/** 1, 2, 4: times faster than recorded; Infinity: everything at once. */
export type Speed = number;

/**
 * Plays events onto a screen with their timing. Consecutive output events due together are
 * written as one. `onChange` hears play/pause/end and seeks (not every event).
 */
export class CastPlayer {
  private readonly events: CastEvent[];
  private readonly header: CastHeader;
  private readonly screen: Screen;
  private readonly clock: Clock;
  private readonly onChange: () => void;
  /** Index of the next event to apply. */
  private next = 0;
  /** Recording time (s) at `baseClock` while playing; the position while paused. */
  private basePos = 0;
  private baseClock = 0;
  private timer: unknown = null;
  playing = false;
  speed: Speed = 1;
  readonly duration: number;

  constructor(cast: { header: CastHeader; events: CastEvent[] }, screen: Screen, clock: Clock = realClock, onChange: () => void = () => {}) {
    this.header = cast.header;
    this.events = cast.events;
    this.duration = cast.events.length ? cast.events[cast.events.length - 1].time : 0;
    this.screen = screen;
    this.clock = clock;
    this.onChange = onChange;
    screen.reset(cast.header.width, cast.header.height);
  }

  /** The recording time shown now, in seconds. */
  position(): number {
    if (!this.playing) return this.basePos;
    return Math.min(this.duration, this.basePos + ((this.clock.now() - this.baseClock) / 1000) * this.speed);
  }

  get ended(): boolean {
    return this.next >= this.events.length && this.position() >= this.duration;
  }

  play(): void {
    if (this.playing) return;
    if (this.ended) this.seek(0);
    this.playing = true;
    this.baseClock = this.clock.now();
    this.tick();
    this.onChange();
  }

  pause(): void {
    if (!this.playing) return;
    this.basePos = this.position();
    this.playing = false;
    this.cancel();
    this.onChange();
  }

  setSpeed(speed: Speed): void {
    if (this.playing) {
      this.basePos = this.position();
      this.baseClock = this.clock.now();
    }
    this.speed = speed;
    if (this.playing) {
      this.cancel();
      this.tick();
    }
    this.onChange();
  }

  /** Shows the screen as it was at `time` s (back: reset and replay up to it at once). */
  seek(time: number): void {
    const t = Math.max(0, Math.min(this.duration, time));
    if (t < this.position() || t === 0) {
      this.screen.reset(this.header.width, this.header.height);
      this.next = 0;
    }
    this.applyUntil(t);
    this.basePos = t;
    this.baseClock = this.clock.now();
    if (this.playing) {
      this.cancel();
      this.tick();
    }
    this.onChange();
  }

  /** Stops the timer for good (the view is going). */
  dispose(): void {
    this.cancel();
    this.playing = false;
  }

  private cancel(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
  }

  private applyUntil(t: number): void {
    let out = '';
    const flush = () => {
      if (out) this.screen.write(out);
      out = '';
    };
    while (this.next < this.events.length && this.events[this.next].time <= t) {
      const e = this.events[this.next++];
      if (e.type === 'o') out += e.data;
      else {
        flush();
        this.screen.resize(e.cols, e.rows);
      }
    }
    flush();
  }

  private tick(): void {
    this.timer = null;
    if (!this.playing) return;
    if (this.speed === Infinity) {
      this.applyUntil(this.duration);
      this.basePos = this.duration;
    } else {
      this.applyUntil(this.position());
    }
    if (this.next >= this.events.length) {
      this.basePos = this.duration;
      this.playing = false;
      this.onChange();
      return;
    }
    const wait = ((this.events[this.next].time - this.position()) * 1000) / this.speed;
    this.timer = this.clock.setTimer(() => this.tick(), Math.max(0, wait));
  }
}

/** A player's clock: "0:07.3", "12:05.0", "1:02:03.0". */
export function fmtPlayTime(seconds: number): string {
  const tenths = Math.max(0, Math.floor(seconds * 10 + 1e-6));
  const s = Math.floor(tenths / 10);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = `${String(s % 60).padStart(2, '0')}.${tenths % 10}`;
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
