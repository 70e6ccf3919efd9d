/**
 * Errors of the video reader. Like the readers of @emo/datasets, every message names the file,
 * what went wrong and what was expected; where ffmpeg said something, the tail of its stderr is
 * appended.
 */

/** What kind of failure a {@link VideoError} reports. */
export type VideoErrorKind =
  /** The file does not exist (or is a directory). */
  | 'not-found'
  /** ffmpeg cannot open or parse the file (corrupt header, not a video, truncated MP4…). */
  | 'unreadable'
  /** The file opens but holds no (decodable) video stream. */
  | 'no-video-stream'
  /** Fewer frames than the requested span needs (a short or truncated video). */
  | 'short'
  /** ffmpeg gave no output for longer than the allowed time; it was killed. */
  | 'timeout'
  /** ffmpeg failed while decoding (non-zero exit, output ending inside a frame…). */
  | 'ffmpeg';

export class VideoError extends Error {
  constructor(
    /** The video file. */
    readonly file: string,
    readonly kind: VideoErrorKind,
    /** What was expected, in words ("20 frames for 10.000–20.000 s at 2 fps"). */
    readonly expected: string,
    /** What happened instead. */
    readonly detail: string,
    /** The tail of ffmpeg's stderr, when it said something. */
    readonly stderr = '',
  ) {
    super(
      `${file}: ${detail} (expected ${expected})${stderr ? `\nffmpeg stderr (tail):\n${stderr}` : ''}`,
    );
    this.name = 'VideoError';
  }
}

/** Details of a decode that came up short, attached to a 'short' {@link VideoError}. */
export class ShortVideoError extends VideoError {
  constructor(
    file: string,
    expected: string,
    detail: string,
    /** Frames the span needed. */
    readonly expectedFrames: number,
    /** Frames that were decoded (and yielded before this error). */
    readonly decodedFrames: number,
    stderr = '',
  ) {
    super(file, 'short', expected, detail, stderr);
    this.name = 'ShortVideoError';
  }

  /** Frames the span needed and the video did not have. */
  get missingFrames(): number {
    return this.expectedFrames - this.decodedFrames;
  }
}
