/**
 * How a decode runs (decode.ts runs it): the span's sample grid, ffmpeg's arguments for the
 * whole span or for one segment of `only`, and the segments themselves (spans.ts plans them
 * from the file's key frames). The module comment of decode.ts explains the timing.
 */
import type { DecodeOptions } from './decode.js';
import { probeKeyframes } from './keyframes.js';
import type { VideoProbe } from './probe.js';
import { SEEK_COST_FRAMES, planSegments, seekStep, type Segment } from './spans.js';

export interface Plan {
  startS: number;
  endS: number;
  explicitEnd: boolean;
  sampleFps: number;
  width: number;
  height: number;
  channels: 1 | 3;
  /** Frames of the whole span (`only`: those of its samples that are wanted). */
  expected: number;
  /** Samples of the whole span: ceil((endS − startS) · sampleFps). */
  span: number;
  /** The whole span's seek point and input duration, µs (as ffmpeg reads -ss and -t). */
  seekUs: number;
  durUs: number;
  lead: number;
  /** The ffmpeg arguments of one run: the whole span, or a segment of `only`. */
  args(seg: Segment | null): string[];
}

export function fmt(x: number): string {
  return Number(x.toFixed(6)).toString();
}

/** µs in a non-negative decimal with six places (what toFixed(6) gives). */
function micros(fixed6: string): number {
  const [int, frac = ''] = fixed6.split('.');
  return Number(int) * 1e6 + Number(frac.padEnd(6, '0'));
}

/** The inverse of {@link micros}: exact, whatever the size. */
function fixed6(us: number): string {
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
}

/** An ffmpeg `select` expression true for these frame numbers (runs as `between`). */
function selectExpr(ns: readonly number[]): string {
  const terms: string[] = [];
  for (let i = 0; i < ns.length;) {
    let j = i;
    while (j + 1 < ns.length && ns[j + 1] === ns[j] + 1) j++;
    terms.push(i === j ? `eq(n\\,${ns[i]})` : `between(n\\,${ns[i]}\\,${ns[j]})`);
    i = j + 1;
  }
  return `select='${terms.join('+')}'`;
}

export function describeSpan(p: Pick<Plan, 'startS' | 'endS' | 'sampleFps' | 'expected'>): string {
  return `${p.expected} frame${p.expected === 1 ? '' : 's'} for ${fmt(p.startS)}–${fmt(p.endS)} s at ${fmt(p.sampleFps)} fps`;
}

export function planDecode(file: string, info: VideoProbe, opts: DecodeOptions): Plan {
  const bad = (what: string): never => {
    throw new RangeError(`decodeFrames: ${file}: ${what}`);
  };
  const startS = opts.startS ?? 0;
  if (!(Number.isFinite(startS) && startS >= 0)) bad(`startS must be ≥ 0, got ${startS}`);
  const explicitEnd = opts.endS !== undefined;
  const endS = opts.endS ?? info.durationS;
  if (explicitEnd && !(Number.isFinite(endS) && endS > startS)) {
    bad(`endS must be a number > startS (${startS}), got ${endS}`);
  }
  const sampleFps = opts.sampleFps ?? info.fps;
  if (!(Number.isFinite(sampleFps) && sampleFps > 0))
    bad(`sampleFps must be > 0, got ${sampleFps}`);
  const allowMissing = opts.allowMissing ?? 0;
  if (!(allowMissing >= 0)) bad(`allowMissing must be ≥ 0, got ${allowMissing}`);
  if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads >= 0)) {
    bad(`threads must be an integer ≥ 0, got ${opts.threads}`);
  }

  let width = info.width;
  let height = info.height;
  if (opts.size) {
    const { width: w, height: h } = opts.size;
    for (const [name, v] of [
      ['width', w],
      ['height', h],
    ] as const) {
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) {
        bad(`size.${name} must be a positive integer, got ${v}`);
      }
    }
    if (w === undefined && h === undefined) bad('size needs a width or a height');
    width = w ?? Math.max(1, Math.round((info.width * (h as number)) / info.height));
    height = h ?? Math.max(1, Math.round((info.height * (w as number)) / info.width));
  }
  const channels = opts.grey ? 1 : 3;
  const pixFmt = opts.grey ? 'gray' : 'rgb24';

  // Ticks n with startS + n / sampleFps < endS (the 1e-9 absorbs float noise in the product).
  const span = Math.max(0, Math.ceil((endS - startS) * sampleFps - 1e-9));
  const only = opts.only;
  if (only) {
    only.forEach((n, i) => {
      if (!(Number.isInteger(n) && n >= 0 && n < span && (i === 0 || n > only[i - 1]))) {
        bad(`only must list distinct sample numbers in [0, ${span}) in ascending order, got ${n}`);
      }
    });
  }
  // Seek this far before startS so that the frame on screen at startS is decoded (see above).
  const lead = Math.min(startS, Math.max(1, 2 / info.fps));
  const seekUs = micros((startS - lead).toFixed(6));
  const durUs = micros((endS - (startS - lead)).toFixed(6));
  const args = (seg: Segment | null): string[] => {
    const shiftUs = seg ? Math.round((seg.from * 1e6) / sampleFps) : 0;
    // without `only`, the whole span; with it, after the user's filter when there is one (its
    // noise, say, may depend on every frame it sees)
    const pick = seg ? [selectExpr(seg.slots.map((n) => n - seg.from))] : [];
    const filters = [
      `fps=fps=${sampleFps}:start_time=${lead.toFixed(6)}:round=up`,
      ...(opts.filter ? [opts.filter] : []),
      ...pick,
      `scale=${width}:${height}${opts.size ? ':flags=area' : ''}`,
      `format=${pixFmt}`,
    ];
    return [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      ...(opts.threads !== undefined ? ['-threads', String(opts.threads)] : []),
      '-ss',
      fixed6(seekUs + shiftUs),
      '-t',
      fixed6(durUs - shiftUs),
      '-i',
      file,
      '-map',
      `0:${info.streamIndex}`,
      '-an',
      '-sn',
      '-dn',
      '-vf',
      filters.join(','),
      ...(seg ? ['-vsync', 'passthrough'] : []),
      '-frames:v',
      String(seg ? seg.slots.length : span),
      '-f',
      'rawvideo',
      '-pix_fmt',
      pixFmt,
      'pipe:1',
    ];
  };
  const expected = only ? only.length : span;
  return {
    startS,
    endS,
    explicitEnd,
    sampleFps,
    width,
    height,
    channels,
    expected,
    span,
    seekUs,
    durUs,
    lead,
    args,
  };
}

/**
 * The ffmpeg runs of a decode: the whole span, or the segments of `only` (spans.ts), which
 * seek only when the file has no `filter` and its key frames and time base are known.
 */
export async function segmentsOf(
  file: string,
  info: VideoProbe,
  plan: Plan,
  opts: DecodeOptions,
  stallMs: number,
): Promise<(Segment | null)[]> {
  if (!opts.only) return [null];
  if (opts.only.length === 0) return [];
  const whole: Segment = { from: 0, slots: [...opts.only] };
  if (opts.filter) return [whole];
  let keys;
  try {
    keys = await probeKeyframes(file, info.streamIndex, {
      startS: info.startS,
      timeoutMs: stallMs,
      signal: opts.signal,
    });
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    return [whole]; // the plain decode reports what is wrong with the file
  }
  return planSegments({
    wanted: opts.only,
    sampleFps: plan.sampleFps,
    seekS: plan.seekUs / 1e6,
    startS: plan.startS,
    step: seekStep(plan.sampleFps, keys.timeBase),
    marginSlots: Math.ceil(Math.max(1, 2 / info.fps) * plan.sampleFps),
    keyframesS: keys.keyframesS,
    videoFps: info.fps,
    seekCostFrames: SEEK_COST_FRAMES,
  });
}
