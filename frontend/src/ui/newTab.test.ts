import { afterEach, describe, expect, it, vi } from "vitest";
import { openInNewTab } from "./newTab";

function fakeTab() {
  return { opener: {} as unknown, location: { href: "" }, close: vi.fn() };
}

afterEach(() => vi.unstubAllGlobals());

describe("openInNewTab", () => {
  it("opens the tab first, then sends it to the address, cut off from this page", async () => {
    const tab = fakeTab();
    const open = vi.fn(() => tab);
    vi.stubGlobal("window", { open });
    let openedBeforeAnswer = false;
    const url = await openInNewTab(async () => {
      openedBeforeAnswer = open.mock.calls.length === 1;
      return "https://zoom.example/s/1";
    });
    expect(openedBeforeAnswer).toBe(true);
    expect(url).toBe("https://zoom.example/s/1");
    expect(tab.location.href).toBe("https://zoom.example/s/1");
    expect(tab.opener).toBeNull();
    expect(tab.close).not.toHaveBeenCalled();
  });

  it("closes the tab when there is no address or the request fails", async () => {
    const empty = fakeTab();
    vi.stubGlobal("window", { open: () => empty });
    expect(await openInNewTab(async () => null)).toBeNull();
    expect(empty.close).toHaveBeenCalled();

    const failing = fakeTab();
    vi.stubGlobal("window", { open: () => failing });
    await expect(openInNewTab(async () => Promise.reject(new Error("offline")))).rejects.toThrow("offline");
    expect(failing.close).toHaveBeenCalled();
  });
});
