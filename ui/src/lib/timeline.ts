// One step of what happened to a job, an application or a milestone.
export type Step = {
  at: string;
  /** What happened, in the user's language. */
  what: string;
  /** Who did it, when the center says. */
  who?: string | null;
  /** A reason (shown beside) or a reviewer's comment (quoted below). */
  note?: string | null;
  quoted?: boolean;
};
