/** The SVG of one bench report (the JSON bench/run.mjs writes). */
export function renderChart(report: unknown): string;
