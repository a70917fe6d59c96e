/** One progress report of a long build: step n of m, what it is doing, rows so far. */
export interface Progress {
  step: number;
  steps: number;
  label: string;
  rows?: number;
}

export type OnProgress = (progress: Progress) => void;
