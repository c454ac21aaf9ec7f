import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { captureLinkDownloads, directLinkResponse, jsonResponse, mockFetch, problemResponse } from "../../../test/fetch-mock";
import { serversPreview, serversQuery } from "../../../test/fixtures";
import { renderWithClient } from "../../../test/render";
import { ExportDialog } from "../components/ExportDialog";
import { suggestedFilename } from "../utils/filename";
import type { ExportRequest } from "../../../lib/export-request";

/** The preview as the server answers it: with the name it saves this request's file under. */
const namedPreview = (request: { body?: unknown }) =>
  jsonResponse({ ...serversPreview, fileName: suggestedFilename(request.body as ExportRequest, new Date("2026-11-30T10:00:00Z")) });

const PREVIEW = "POST /api/v1/exports/series/preview";
const EXPORT = "POST /api/v1/exports/series/direct";

function renderDialog(onClose = vi.fn()) {
  renderWithClient(
    <ExportDialog open onClose={onClose} query={serversQuery} kind="timeseries" previewDelayMs={0} />,
  );
  return { dialog: screen.getByRole("dialog", { name: "Export data" }), onClose };
}

describe("ExportDialog", () => {
  it("walks Format, Data, Format options and Delivery, then POSTs the chosen request", async () => {
    const requests = mockFetch({
      [PREVIEW]: namedPreview,
      [EXPORT]: () => directLinkResponse("cpu-report.csv.gz"),
    });
    const started = captureLinkDownloads();
    const user = userEvent.setup();
    const { dialog } = renderDialog();
    const next = () => user.click(within(dialog).getByRole("button", { name: "Next" }));

    // 1. Format: CSV is chosen and recommended for 48 rows.
    expect(screen.getByRole("heading", { name: "Step 1 of 4: Format" })).toHaveFocus();
    await waitFor(() => expect(screen.getByRole("radio", { name: /^CSV Recommended/ })).toBeChecked());
    expect(screen.getByRole("radio", { name: /^JSONL Best for/ })).not.toBeChecked();
    await next();

    // 2. Data: wide shape, drop the server column, rename the metric.
    expect(screen.getByRole("heading", { name: "Step 2 of 4: Data" })).toHaveFocus();
    expect(screen.getByText(/region = "eu-west"/)).toBeInTheDocument();
    await user.click(screen.getByRole("radio", { name: /^Wide/ }));
    await user.click(await screen.findByRole("checkbox", { name: "Include server" }));
    await user.type(screen.getByRole("textbox", { name: "Rename cpu_percent" }), "CPU %");
    expect(await screen.findByText(/as CSV before compression/)).toHaveTextContent("About 48 rows, about 2.0 KB as CSV");
    await next();

    // 3. Format options: semicolons and decimal commas, gzip, a file name.
    expect(screen.getByRole("heading", { name: "Step 3 of 4: Format options" })).toHaveFocus();
    expect(screen.queryByLabelText("Structure")).not.toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText("Delimiter"), "Semicolon (;)");
    await user.selectOptions(screen.getByLabelText("Decimal separator"), "Comma (1,5)");
    await user.selectOptions(screen.getByLabelText("Compression"), "gzip (.gz): opens everywhere");
    await user.type(screen.getByLabelText("File name"), "cpu-report");
    expect(await screen.findByText("Saved as cpu-report.csv.gz")).toBeInTheDocument();
    await next();
    // The summary names the file the server saves, and says exactly what runs.
    expect(await within(dialog).findByTestId("export-file-name")).toHaveTextContent("cpu-report.csv.gz");
    expect(within(dialog).getByText("Metrics").nextSibling).toHaveTextContent("cpu_percent");
    expect(within(dialog).getByText("Filters").nextSibling).toHaveTextContent('region = "eu-west"');

    // 4. Delivery: download now.
    expect(screen.getByRole("heading", { name: "Step 4 of 4: Delivery" })).toHaveFocus();
    await user.click(screen.getByRole("button", { name: "Start download" }));

    expect(await screen.findByText(/Your browser is downloading/)).toHaveTextContent("Your browser is downloading cpu-report.csv.gz");
    const exports = requests.filter((request) => request.url === "/api/v1/exports/series/direct");
    expect(exports).toHaveLength(1);
    expect(exports[0]!.body).toEqual({
      source: "servers",
      metrics: ["cpu_percent"],
      timeframe: { last: "24h" },
      timezone: "Europe/Berlin",
      granularity: "1h",
      filter: { field: "region", op: "eq", value: "eu-west" },
      shape: "wide",
      columns: { exclude: ["server"], rename: { cpu_percent: "CPU %" } },
      format: "csv",
      formatOptions: {
        delimiter: ";",
        header: "on",
        quote: "minimal",
        escape: "double",
        lineTerminator: "\n",
        encoding: "utf-8",
        dateFormat: "iso",
        decimals: null,
        decimalSeparator: ",",
        thousandsSeparator: "",
        formulaGuard: true,
      },
      compression: "gzip",
      filename: "cpu-report",
    });
    // The file itself goes through the browser's download manager: the page only hands it the signed link.
    expect(started).toEqual([{ filename: "cpu-report.csv.gz", url: "/api/v1/exports/series/direct/0193-test?token=1764482100.sig" }]);
  });

  it("recommends JSONL when the preview estimates more than a million rows", async () => {
    mockFetch({ [PREVIEW]: () => jsonResponse({ ...serversPreview, estimatedRows: 2_400_000 }) });
    renderDialog();

    expect(await screen.findByRole("radio", { name: /^JSONL Recommended/ })).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: /^CSV Best for/ })).toBeChecked();
    expect(screen.getByText(/About 2,400,000 rows/)).toBeInTheDocument();
  });

  it("shows Problem Details field errors and leads back to the step that fixes them", async () => {
    mockFetch({
      [PREVIEW]: () => jsonResponse(serversPreview),
      [EXPORT]: () =>
        problemResponse({
          status: 400,
          title: "One or more validation errors occurred.",
          detail: "See the errors for each field.",
          errors: { "formatOptions.delimiter": ["The delimiter cannot be the decimal separator."] },
        }),
    });
    const user = userEvent.setup();
    const { dialog } = renderDialog();
    for (let step = 0; step < 3; step++) await user.click(within(dialog).getByRole("button", { name: "Next" }));
    await user.click(screen.getByRole("button", { name: "Start download" }));

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("One or more validation errors occurred.");
    expect(alert).toHaveTextContent("See the errors for each field.");
    expect(alert).toHaveTextContent("formatOptions.delimiter: The delimiter cannot be the decimal separator.");

    await user.click(within(alert).getByRole("button", { name: "Fix in Format options" }));
    expect(screen.getByRole("heading", { name: "Step 3 of 4: Format options" })).toHaveFocus();
    expect(screen.getByLabelText("Delimiter")).toHaveAccessibleDescription("The delimiter cannot be the decimal separator.");
  });

  it("blocks Next while the options contradict each other", async () => {
    mockFetch({ [PREVIEW]: () => jsonResponse(serversPreview) });
    const user = userEvent.setup();
    const { dialog } = renderDialog();
    const nextButton = () => within(dialog).getByRole("button", { name: "Next" });
    await user.click(nextButton());
    await user.click(nextButton());

    await user.selectOptions(screen.getByLabelText("Thousands separator"), "Point (1.234.567)");

    expect(screen.getByLabelText("Thousands separator")).toHaveAccessibleDescription(
      "The thousands separator must differ from the decimal separator.",
    );
    expect(nextButton()).toBeDisabled();
  });

  it("offers all nine formats with their size estimates", async () => {
    mockFetch({ [PREVIEW]: () => jsonResponse(serversPreview) });
    renderDialog();

    const formats = screen.getByRole("group", { name: "File format" });
    expect(await within(formats).findByRole("radio", { name: /^CSV Recommended .* About 2\.0 KB\.$/ })).toBeChecked();
    expect(within(formats).getAllByRole("radio").map((radio) => (radio as HTMLInputElement).value)).toEqual([
      "csv",
      "tsv",
      "json",
      "jsonl",
      "parquet",
      "xlsx",
      "markdown",
      "html",
      "txt",
    ]);
    expect(within(formats).getByRole("radio", { name: /^Parquet Best for analytics/ })).toHaveAccessibleName(
      "Parquet Best for analytics: DuckDB, Spark, pandas; the smallest files. About 900 B.",
    );
    expect(within(formats).getByRole("radio", { name: /^Excel Best for Excel users/ })).toHaveAccessibleName(/About 9\.0 KB\.$/);
    expect(within(formats).getByRole("radio", { name: /^Markdown Best for pasting a small table/ })).toBeInTheDocument();
    expect(within(formats).getByRole("radio", { name: /^HTML Best for a small table/ })).toBeInTheDocument();
    expect(within(formats).getByRole("radio", { name: /^Plain text Best for reading in a terminal/ })).toHaveAccessibleName(/About 2\.8 KB\.$/);
  });

  it("exports a plain-text table with no format options, saved as .txt", async () => {
    const requests = mockFetch({
      [PREVIEW]: namedPreview,
      [EXPORT]: () => directLinkResponse("cpu.txt"),
    });
    captureLinkDownloads();
    const user = userEvent.setup();
    const { dialog } = renderDialog();
    const next = () => user.click(within(dialog).getByRole("button", { name: "Next" }));

    await user.click(screen.getByRole("radio", { name: /^Plain text/ }));
    await next();
    await next();

    const options = screen.getByRole("region", { name: "Plain text options" });
    expect(options).toHaveTextContent("Plain text has no options");
    await user.type(screen.getByLabelText("File name"), "cpu");
    expect(await screen.findByText("Saved as cpu.txt")).toBeInTheDocument();
    await next();

    await user.click(screen.getByRole("button", { name: "Start download" }));
    expect(await screen.findByText(/Your browser is downloading/)).toHaveTextContent("Your browser is downloading cpu.txt");
    const body = requests.find((request) => request.url === "/api/v1/exports/series/direct")!.body;
    expect(body).toMatchObject({ format: "txt", filename: "cpu" });
    expect(body).not.toHaveProperty("formatOptions");
  });

  it("exports Parquet with zstd pages partitioned by server, as a zip, without whole-file compression", async () => {
    const requests = mockFetch({
      [PREVIEW]: namedPreview,
      [EXPORT]: () => directLinkResponse("servers.zip"),
    });
    captureLinkDownloads();
    const user = userEvent.setup();
    const { dialog } = renderDialog();
    const next = () => user.click(within(dialog).getByRole("button", { name: "Next" }));

    await user.click(screen.getByRole("radio", { name: /^Parquet/ }));
    await next();
    await next();

    const options = screen.getByRole("region", { name: "Parquet options" });
    await user.selectOptions(within(options).getByLabelText("Parquet compression"), "Zstandard: small and fast");
    const partitionBy = await within(options).findByRole("group", { name: "Partition by" });
    expect(within(partitionBy).getAllByRole("checkbox")).toHaveLength(1); // server: time and cpu_percent are not text
    await user.click(within(partitionBy).getByRole("checkbox", { name: "server" }));
    expect(screen.getByLabelText("Whole-file compression")).toHaveValue("none");
    expect(screen.getByLabelText("Whole-file compression")).toHaveAccessibleDescription(/Parquet compresses inside the file/);
    await user.type(screen.getByLabelText("File name"), "cpu");
    expect(await screen.findByText("Saved as cpu.zip")).toBeInTheDocument();
    await next();

    await user.click(screen.getByRole("button", { name: "Start download" }));
    expect(await screen.findByText(/Your browser is downloading/)).toHaveTextContent("Your browser is downloading servers.zip");
    const body = requests.find((request) => request.url === "/api/v1/exports/series/direct")!.body;
    expect(body).toMatchObject({
      format: "parquet",
      formatOptions: { compression: "zstd", partitionBy: ["server"] },
      compression: "none",
    });
    expect((body as { formatOptions: object }).formatOptions).toEqual({ compression: "zstd", partitionBy: ["server"] });
  });

  it("shows an invalid Excel sheet name inline and blocks the export until it is fixed", async () => {
    const requests = mockFetch({ [PREVIEW]: () => jsonResponse(serversPreview) });
    const user = userEvent.setup();
    const { dialog } = renderDialog();
    const nextButton = () => within(dialog).getByRole("button", { name: "Next" });

    await user.click(screen.getByRole("radio", { name: /^Excel/ }));
    await user.click(nextButton());
    await user.click(nextButton());

    const sheetName = within(screen.getByRole("region", { name: "Excel options" })).getByLabelText("Excel sheet name");
    await user.clear(sheetName);
    await user.type(sheetName, "CPU/day");

    expect(sheetName).toHaveAttribute("aria-invalid", "true");
    expect(sheetName).toHaveAccessibleDescription(/A sheet name cannot contain \[ \] : \* \? \/ \\\./);
    expect(nextButton()).toBeDisabled();

    await user.clear(sheetName);
    await user.type(sheetName, "CPU per day");
    expect(nextButton()).toBeEnabled();
    expect(requests.some((request) => request.url === "/api/v1/exports/series")).toBe(false);
  });

  it("leads a server error on an Excel option back to its field", async () => {
    mockFetch({
      [PREVIEW]: () => jsonResponse(serversPreview),
      [EXPORT]: () =>
        problemResponse({
          status: 400,
          title: "The request is not valid",
          errors: { "formatOptions.template": ["The template has no sheet named 'Report'."] },
        }),
    });
    const user = userEvent.setup();
    const { dialog } = renderDialog();
    await user.click(screen.getByRole("radio", { name: /^Excel/ }));
    for (let step = 0; step < 3; step++) await user.click(within(dialog).getByRole("button", { name: "Next" }));
    await user.click(screen.getByRole("button", { name: "Start download" }));

    const alert = await screen.findByRole("alert");
    await user.click(within(alert).getByRole("button", { name: "Fix in Format options" }));
    expect(screen.getByLabelText("Template workbook")).toHaveAccessibleDescription(/The template has no sheet named 'Report'\./);
  });

  it("closes on Escape", async () => {
    mockFetch({ [PREVIEW]: () => jsonResponse(serversPreview) });
    const user = userEvent.setup();
    const { onClose } = renderDialog();

    await user.keyboard("{Escape}");

    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it("blocks Next, the stepper and Start while the custom range is invalid, and runs only once it is fixed", async () => {
    mockFetch({ [PREVIEW]: namedPreview });
    const user = userEvent.setup();
    const { dialog } = renderDialog();
    await user.click(within(dialog).getByRole("button", { name: "Next" }));
    await user.click(within(dialog).getByRole("button", { name: "Custom" }));
    const from = within(dialog).getByLabelText("From");
    const to = within(dialog).getByLabelText("To");
    await user.clear(from);
    await user.type(from, "2026-11-29T12:00");
    await user.clear(to);
    await user.type(to, "2026-11-20T12:00");
    expect(within(dialog).getAllByText("The start must be before the end.").length).toBeGreaterThan(0);
    expect(within(dialog).getByRole("button", { name: "Next" })).toBeDisabled();
    // Later steps are not offered in the stepper; the earlier one is.
    const stepper = within(dialog).getByRole("list", { name: "Export steps" });
    expect(within(stepper).queryByRole("button", { name: /Delivery/ })).not.toBeInTheDocument();
    expect(within(stepper).getByRole("button", { name: /Format$/ })).toBeEnabled();

    await user.clear(to);
    await user.type(to, "2026-11-30T12:00");
    expect(within(dialog).getByRole("button", { name: "Next" })).toBeEnabled();
    await user.click(within(stepper).getByRole("button", { name: /Delivery/ }));
    expect(screen.getByRole("heading", { name: "Step 4 of 4: Delivery" })).toHaveFocus();
    expect(within(dialog).getByRole("button", { name: "Start download" })).toBeEnabled();
  });

  it("offers one Done once the download is saved", async () => {
    mockFetch({
      [PREVIEW]: namedPreview,
      [EXPORT]: () => directLinkResponse("s.csv"),
    });
    captureLinkDownloads();
    const user = userEvent.setup();
    const { dialog } = renderDialog();
    await user.click(within(within(dialog).getByRole("list", { name: "Export steps" })).getByRole("button", { name: /Delivery/ }));
    await user.click(within(dialog).getByRole("button", { name: "Start download" }));
    await screen.findByText(/Your browser is downloading/);
    const footer = dialog.querySelector<HTMLElement>(".dialog-footer")!;
    expect(within(footer).getAllByRole("button").map((b) => b.textContent)).toEqual(["Done"]);
  });
});
