// Moved to text/visible-text.ts, where the approval display uses it too.
export { visibleText } from "../text/visible-text.js";
