/** Domain knowledge of the report formats: tables, sections, metrics. The one module that spells them out. */
export * from "./tables.js";
export * from "./formats.js";
export * from "./metrics.js";
export * from "./checks.js";
