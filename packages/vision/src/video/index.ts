// Video decoding with the ffmpeg binary of @ffmpeg-installer/ffmpeg.
export { collectFrames, decodeFrames, frameAt } from './decode.js';
export type { DecodeOptions, DecodeSummary, FrameAtOptions, VideoFrame } from './decode.js';
export { probeVideo } from './probe.js';
export { probeKeyframes } from './keyframes.js';
export type { KeyframeIndex } from './keyframes.js';
export type { ProbeOptions, VideoProbe } from './probe.js';
export { ShortVideoError, VideoError } from './errors.js';
export type { VideoErrorKind } from './errors.js';
export { FFMPEG_PATH } from './ffmpeg.js';
