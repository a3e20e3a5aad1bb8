import type { ArgumentsMode, RecordDraft } from "./record.js";

// Messages between the relay's thread (AuditTrail) and the writer thread (audit-worker).

export interface WorkerSetup {
  file: string;
  createDirectory: boolean;
  argumentsMode: ArgumentsMode;
  /** Records older than this many days are pruned; 0 keeps everything. */
  retentionDays: number;
  session: string;
  grant: string | null;
  command: string | null;
}

export type ToWorker =
  /** `dropped`: records the relay's thread could not hand over (the writer fell too far behind). */
  { type: "append"; batch: number; drafts: RecordDraft[]; dropped: number } | { type: "close" };

export type FromWorker =
  | { type: "written"; batch: number }
  | { type: "failed"; batch: number; message: string }
  | { type: "recovered"; lost: number }
  | { type: "pruned"; count: number; days: number }
  | { type: "closed" };
