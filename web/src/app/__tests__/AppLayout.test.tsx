import { QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import type { ReactNode } from "react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { resetThemeForTests, THEME_STORAGE_KEY } from "../../lib/theme";
import { createTestQueryClient } from "../../test/render";
import { AppLayout } from "../AppLayout";
import type { Route } from "../navigation";

const USER = { id: 1, email: "demo@exports.local", name: "Demo" };

function renderLayout(current: Route["page"] = "history") {
  const client = createTestQueryClient();
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  return render(
    <AppLayout user={USER} current={current}>
      <p>page content</p>
    </AppLayout>,
    { wrapper },
  );
}

describe("AppLayout", () => {
  beforeEach(() => {
    window.localStorage.clear();
    document.documentElement.removeAttribute("data-theme");
    resetThemeForTests();
  });

  it("names the current page in the browser tab", () => {
    const { rerender } = renderLayout("history");
    expect(document.title).toBe("History · Exports");
    rerender(
      <AppLayout user={USER} current="destinations">
        <p>page content</p>
      </AppLayout>,
    );
    expect(document.title).toBe("Destinations · Exports");
  });

  it("opens the folded navigation from the Menu button and closes it on Escape, returning focus", async () => {
    renderLayout();
    const user = userEvent.setup();
    const toggle = screen.getByRole("button", { name: "Menu" });
    const menu = document.getElementById(toggle.getAttribute("aria-controls")!)!;
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(menu).toHaveAttribute("data-open", "false");

    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    expect(menu).toHaveAttribute("data-open", "true");
    expect(within(menu).getByRole("navigation", { name: "Main" })).toBeInTheDocument();

    // Keyboard: Tab goes from the button into the navigation.
    await user.tab();
    expect(within(menu).getByRole("link", { name: "Explore" })).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(toggle).toHaveFocus();
  });

  it("closes the navigation when a page is chosen and when the page changes", async () => {
    const { rerender } = renderLayout("history");
    const user = userEvent.setup();
    const toggle = screen.getByRole("button", { name: "Menu" });

    await user.click(toggle);
    await user.click(screen.getByRole("link", { name: "Templates" }));
    expect(toggle).toHaveAttribute("aria-expanded", "false");

    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    rerender(
      <AppLayout user={USER} current="schedules">
        <p>page content</p>
      </AppLayout>,
    );
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    expect(screen.getByRole("link", { name: "Schedules" })).toHaveAttribute("aria-current", "page");
  });

  it("closes the navigation on a click outside the top bar", async () => {
    renderLayout();
    const user = userEvent.setup();
    const toggle = screen.getByRole("button", { name: "Menu" });
    await user.click(toggle);
    await user.click(screen.getByText("page content"));
    expect(toggle).toHaveAttribute("aria-expanded", "false");
  });

  it("follows the system theme until one is chosen, and keeps the choice in localStorage", async () => {
    renderLayout();
    const user = userEvent.setup();
    const theme = screen.getByLabelText("Appearance");
    expect(theme).toHaveValue("system");
    expect(document.documentElement).not.toHaveAttribute("data-theme");

    await user.selectOptions(theme, "dark");
    expect(document.documentElement).toHaveAttribute("data-theme", "dark");
    expect(window.localStorage.getItem(THEME_STORAGE_KEY)).toBe("dark");

    await user.selectOptions(theme, "light");
    expect(document.documentElement).toHaveAttribute("data-theme", "light");
    expect(window.localStorage.getItem(THEME_STORAGE_KEY)).toBe("light");

    await user.selectOptions(theme, "system");
    expect(document.documentElement).not.toHaveAttribute("data-theme");
    expect(window.localStorage.getItem(THEME_STORAGE_KEY)).toBeNull();
  });

  it("reads a stored theme on start", () => {
    window.localStorage.setItem(THEME_STORAGE_KEY, "dark");
    renderLayout();
    expect(screen.getByLabelText("Appearance")).toHaveValue("dark");
  });
});
