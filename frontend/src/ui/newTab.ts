/** Opens a tab within the click (so that no pop-up blocker stops it), then points it at the
 * address `find` resolves to, with no way back to this page (`opener`). Without an address the
 * tab closes and this returns null; if `find` throws, the tab closes and the error goes on. */
export async function openInNewTab(find: () => Promise<string | null>): Promise<string | null> {
  const tab = window.open("", "_blank");
  try {
    const url = await find();
    if (!url) {
      tab?.close();
      return null;
    }
    if (tab) {
      tab.opener = null;
      tab.location.href = url;
    }
    return url;
  } catch (e) {
    tab?.close();
    throw e;
  }
}
