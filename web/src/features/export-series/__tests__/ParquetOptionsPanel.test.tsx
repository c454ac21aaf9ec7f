import { cleanup, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { serversQuery } from "../../../test/fixtures";
import { ParquetOptionsPanel } from "../components/options/ParquetOptionsPanel";
import { initialSettings, parquetOptions } from "../utils/export-settings";
import { PARQUET_DEFAULTS, type ParquetSettings } from "../utils/format-defaults";
import { validateOptions, type ExportColumn } from "../utils/validate-settings";

/** Long-shape columns as the preview reports them. */
const LONG_COLUMNS: ExportColumn[] = [
  { name: "time", type: "time" },
  { name: "metric", type: "string" },
  { name: "region", type: "string" },
  { name: "server", type: "string" },
  { name: "value", type: "double" },
  { name: "samples", type: "long" },
];

/** The panel with its state and the dialog's client validation, as the Options step wires it. */
function renderPanel(initial: Partial<ParquetSettings> = {}, preview: ExportColumn[] | "loading" = LONG_COLUMNS) {
  const columns = preview === "loading" ? undefined : preview;
  const latest: { value: ParquetSettings } = { value: { ...PARQUET_DEFAULTS, ...initial } };
  function Harness() {
    const [value, setValue] = useState(latest.value);
    const errors = validateOptions({ ...initialSettings(serversQuery, "parquet"), parquet: value }, columns);
    return (
      <ParquetOptionsPanel
        value={value}
        onChange={(next) => {
          latest.value = next;
          setValue(next);
        }}
        errorsOf={(name) => errors[name]}
        columns={columns}
      />
    );
  }
  render(<Harness />);
  return latest;
}

describe("ParquetOptionsPanel", () => {
  it("keeps the expert options in a closed Advanced fold, opened when one of them has a problem", async () => {
    renderPanel();
    const fold = screen.getByText(/^Advanced:/).closest("details")!;
    expect(fold).not.toHaveAttribute("open");
    expect(within(fold).getByLabelText("Row group size")).toBeInTheDocument();
    expect(within(fold).queryByLabelText("Parquet compression")).not.toBeInTheDocument();
    expect(screen.getByRole("group", { name: "Partition by" }).closest("details")).toBeNull();

    cleanup();
    renderPanel({ rowGroupSize: 0 });
    expect(screen.getByText(/^Advanced:/).closest("details")).toHaveAttribute("open");
  });

  it("offers the text and whole-number columns to partition by and sends only what differs from the defaults", async () => {
    const user = userEvent.setup();
    const latest = renderPanel();

    const partitionBy = screen.getByRole("group", { name: "Partition by" });
    expect(within(partitionBy).getAllByRole("checkbox").map((box) => box.closest("label")!.textContent)).toEqual([
      "metric",
      "region",
      "server",
      "samples",
    ]);
    expect(screen.getByLabelText("Parquet compression")).toHaveValue("snappy");
    expect(parquetOptions(latest.value)).toEqual({});

    await user.selectOptions(screen.getByLabelText("Parquet compression"), "Zstandard: small and fast");
    await user.click(within(partitionBy).getByRole("checkbox", { name: "server" }));

    expect(parquetOptions(latest.value)).toEqual({ compression: "zstd", partitionBy: ["server"] });
  });

  it("offers every codec the server writes, LZ4 among them, and sends lz4 when it is chosen", async () => {
    const user = userEvent.setup();
    const latest = renderPanel();
    const select = screen.getByLabelText("Parquet compression");
    expect(within(select).getAllByRole("option").map((option) => option.getAttribute("value"))).toEqual([
      "snappy",
      "zstd",
      "lz4",
      "gzip",
      "brotli",
      "none",
    ]);
    expect(within(select).queryByRole("option", { name: /lzo/i })).not.toBeInTheDocument();

    await user.selectOptions(select, "LZ4: fast, about Snappy's size");

    expect(parquetOptions(latest.value)).toEqual({ compression: "lz4" });
  });

  it("shows an error under Row group size outside 1 to 10,000,000 and when left empty", async () => {
    const user = userEvent.setup();
    renderPanel();
    const rowGroupSize = screen.getByLabelText("Row group size");
    expect(rowGroupSize).toHaveValue(122_880);
    expect(rowGroupSize).not.toHaveAttribute("aria-invalid");

    await user.clear(rowGroupSize);
    expect(rowGroupSize).toHaveAttribute("aria-invalid", "true");
    expect(rowGroupSize).toHaveAccessibleDescription(/Use a whole number from 1 to 10,000,000\./);

    await user.type(rowGroupSize, "20000000");
    expect(rowGroupSize).toHaveAccessibleDescription(/Use a whole number from 1 to 10,000,000\./);

    await user.clear(rowGroupSize);
    await user.type(rowGroupSize, "50000");
    expect(rowGroupSize).not.toHaveAttribute("aria-invalid");
  });

  it("sends footer metadata from key=value lines and flags a line without =", async () => {
    const user = userEvent.setup();
    const latest = renderPanel();
    const metadata = screen.getByLabelText("File metadata");

    await user.type(metadata, "owner=ops{Enter}ticket = OPS-12");
    expect(metadata).not.toHaveAttribute("aria-invalid");
    expect(parquetOptions(latest.value)).toEqual({ metadata: { owner: "ops", ticket: "OPS-12" } });

    await user.type(metadata, "{Enter}no equals sign");
    expect(metadata).toHaveAccessibleDescription(/Write one key=value pair per line\./);
  });

  it("keeps a partition column the export no longer has listed, with an error, until it is unticked", async () => {
    const user = userEvent.setup();
    const latest = renderPanel({ partitionBy: ["host"] });
    const partitionBy = screen.getByRole("group", { name: "Partition by" });

    const stale = within(partitionBy).getByRole("checkbox", { name: "host (not in this export)" });
    expect(stale).toBeChecked();
    expect(partitionBy).toHaveAccessibleDescription(/Not a text or whole-number column of this export: host\. Untick it\./);

    await user.click(stale);
    expect(latest.value.partitionBy).toEqual([]);
    expect(within(partitionBy).queryByRole("checkbox", { name: /host/ })).not.toBeInTheDocument();
    expect(partitionBy).not.toHaveAccessibleDescription(/Untick it/);
  });

  it("says the columns are loading until the preview knows them", () => {
    renderPanel({}, "loading");
    expect(screen.queryByRole("group", { name: "Partition by" })).not.toBeInTheDocument();
    expect(screen.getByText("Loading columns to partition by…")).toBeInTheDocument();
  });
});
