import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { ExportRequest } from "../../../lib/export-request";
import { jsonResponse, mockFetch } from "../../../test/fetch-mock";
import { serversPreview, serversQuery } from "../../../test/fixtures";
import { renderWithClient } from "../../../test/render";
import { ExportRequestEditor } from "../components/ExportRequestEditor";
import { buildExportRequest, initialSettings, queryOf, settingsFromRequest } from "../utils/export-settings";
import { validateOptions } from "../utils/validate-settings";

const SAVED: ExportRequest[] = [
  { ...serversQuery, format: "csv", compression: "gzip", filename: "{source}-{date}", formatOptions: { ...csv(), delimiter: ";", header: "custom", headers: ["t", "v"] } },
  { ...serversQuery, format: "parquet", shape: "wide", compression: "none", formatOptions: { compression: "zstd", rowGroupSize: 5000, partitionBy: ["server"], metadata: { team: "ops" } } },
  { ...serversQuery, format: "xlsx", compression: "none", columns: { exclude: ["region"], rename: { cpu_percent: "CPU" } }, formatOptions: { sheetName: "CPU", summary: false, template: "UEsDBA==", templateSheet: "Data" } },
  { ...serversQuery, format: "json", compression: "none", formatOptions: { style: "nested", pretty: true, metadata: false, dateFormat: "unix", nulls: "exclude", decimals: 2 } },
];

function csv() {
  return { delimiter: ",", header: "on", quote: "minimal", escape: "double", lineTerminator: "\n", encoding: "utf-8", dateFormat: "iso", decimals: null, decimalSeparator: ".", thousandsSeparator: "", formulaGuard: true } as const;
}

describe("settingsFromRequest", () => {
  it.each(SAVED.map((request) => [request.format, request] as const))("gives back the saved %s request when built again", (_, request) => {
    const kind = "timeseries";
    expect(buildExportRequest(queryOf(request), settingsFromRequest(request), kind)).toEqual({ shape: "long", ...request });
  });
});

describe("file name placeholders", () => {
  it("accepts a template's {date:FORMAT} but not a colon of its own", () => {
    const settings = initialSettings(serversQuery);
    expect(validateOptions({ ...settings, filename: "{source}-{date:yyyy-MM-dd}" }, undefined).filename).toBeUndefined();
    expect(validateOptions({ ...settings, filename: "{source}:{date}" }, undefined).filename).toEqual(['A file name cannot contain \\ / : * ? " < > |.']);
  });
});

describe("ExportRequestEditor", () => {
  it("edits a saved request with the dialog's steps, reachable from the stepper, and reports the new request", async () => {
    mockFetch({ "POST /api/v1/exports/series/preview": () => jsonResponse(serversPreview) });
    const onChange = vi.fn();
    const user = userEvent.setup();
    renderWithClient(
      <ExportRequestEditor
        value={SAVED[1]!}
        onChange={onChange}
        kind="timeseries"
        previewDelayMs={0}
        queryEditor={<p>query form here</p>}
        fileNameHint="Placeholders: {source}"
      />,
    );
    const stepper = screen.getByRole("list", { name: "Request steps" });
    expect(screen.getByRole("radio", { name: /^Parquet/ })).toBeChecked();

    await user.click(within(stepper).getByRole("button", { name: /Data/ }));
    expect(screen.getByText("query form here")).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: /^Wide/ })).toBeChecked();

    await user.click(within(stepper).getByRole("button", { name: /Format options/ }));
    expect(screen.getByLabelText("Parquet compression")).toHaveValue("zstd");
    expect(screen.getByText("Placeholders: {source}")).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText("Parquet compression"), "gzip");
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    expect(onChange.mock.lastCall![0]).toEqual({
      ...SAVED[1],
      formatOptions: { ...SAVED[1]!.formatOptions, compression: "gzip" },
    });
  });
});
