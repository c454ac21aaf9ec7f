import { render } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { usePageTitle } from "../use-page-title";

function Shell({ page, detail }: { page: string; detail?: string }) {
  usePageTitle(page, 0);
  return detail ? <Page title={detail} /> : null;
}
function Page({ title }: { title: string }) {
  usePageTitle(title);
  return null;
}

describe("usePageTitle", () => {
  it("names the page; a page's own title wins over the shell's while it is shown", () => {
    const { rerender, unmount } = render(<Shell page="Dashboards" />);
    expect(document.title).toBe("Dashboards · Exports");
    rerender(<Shell page="Dashboards" detail="ops-overview · Dashboards" />);
    expect(document.title).toBe("ops-overview · Dashboards · Exports");
    rerender(<Shell page="Dashboards" />);
    expect(document.title).toBe("Dashboards · Exports");
    unmount();
    expect(document.title).toBe("Exports");
  });
});
