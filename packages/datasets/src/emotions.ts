/** The five classes of the study, in the order used by every model output and report. */
export const EMOTIONS = ['happy', 'sad', 'angry', 'neutral', 'fear'] as const;
export type Emotion = (typeof EMOTIONS)[number];
