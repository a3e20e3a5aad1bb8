import { openRecordsFile, type RecordsFile } from "./records-file.js";
import type { RecordsLocation } from "./records-location.js";

// The wrapper's handle on this machine's records: opened on first use, and
// tried again on the next use after a failure (the disk may come back).
// Every user of the file in one process shares one connection.

export class LocalRecords {
  readonly location: RecordsLocation;
  #file: RecordsFile | undefined;
  #closed = false;

  constructor(location: RecordsLocation) {
    this.location = location;
  }

  /** The open file; throws a StoreFault saying why it cannot be opened. */
  open(): RecordsFile {
    if (this.#closed) throw new Error("the records file is closed");
    this.#file ??= openRecordsFile(this.location.file, { createDirectory: this.location.createDirectory });
    return this.#file;
  }

  close(): void {
    this.#closed = true;
    this.#file?.close();
    this.#file = undefined;
  }
}
