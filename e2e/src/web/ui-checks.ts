import type { Page } from 'playwright-core';

/**
 * What a reviewer would see as broken on a rendered page, checked in the browser itself: form controls without a label,
 * text below WCAG AA contrast, and content wider than the viewport (cut off or scrolling sideways on a phone).
 * Returns one readable line per problem, so a failing test names the element.
 */
export async function pageProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const describe = (el: Element): string => {
      const id = el.id ? `#${el.id}` : '';
      const testId = el.getAttribute('data-testid') ? `[data-testid=${el.getAttribute('data-testid')}]` : '';
      const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 40);
      return `<${el.tagName.toLowerCase()}${id}${testId}> "${text}"`;
    };
    const visible = (el: Element): boolean => {
      const r = el.getBoundingClientRect();
      if (r.width < 2 || r.height < 2) return false;
      for (let n: Element | null = el; n; n = n.parentElement) {
        const s = getComputedStyle(n);
        if (s.visibility === 'hidden' || s.display === 'none' || s.opacity === '0') return false;
        if (s.clip === 'rect(0px, 0px, 0px, 0px)' || s.clipPath === 'inset(50%)') return false;
      }
      return true;
    };

    // 1. Every form control has an accessible name from a label, aria-label or aria-labelledby.
    for (const el of Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))) {
      const c = el as HTMLInputElement;
      const named =
        (c.labels && c.labels.length > 0) || !!c.getAttribute('aria-label')?.trim() || !!c.getAttribute('aria-labelledby');
      if (!named) problems.push(`unlabelled control ${describe(el)}`);
    }
    for (const el of Array.from(document.querySelectorAll('button, a[href]'))) {
      if (!visible(el)) continue;
      const name = (el.getAttribute('aria-label') ?? el.textContent ?? '').trim();
      if (!name) problems.push(`control without a name ${describe(el)}`);
    }

    // 2. Text contrast (WCAG 2.x AA): 4.5:1, or 3:1 for large text; disabled controls are exempt.
    const parse = (c: string): number[] => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return [0, 0, 0, 0];
      const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    };
    const over = (fg: number[], bg: number[]): number[] => [0, 1, 2].map((i) => fg[i] * fg[3] + bg[i] * (1 - fg[3])).concat(1);
    const backgroundOf = (el: Element): number[] | null => {
      const layers: number[][] = [];
      for (let n: Element | null = el; n; n = n.parentElement) {
        const s = getComputedStyle(n);
        if (s.backgroundImage && s.backgroundImage !== 'none' && !s.backgroundImage.includes('gradient')) return null;
        const c = parse(s.backgroundColor);
        if (c[3] > 0) layers.push(c);
        if (c[3] >= 1) break;
      }
      let bg = [255, 255, 255, 1];
      for (const layer of layers.reverse()) bg = over(layer, bg);
      return bg;
    };
    const lum = (c: number[]): number => {
      const ch = c.slice(0, 3).map((v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
      });
      return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
    };
    const ratio = (a: number[], b: number[]): number => {
      const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
      return (x + 0.05) / (y + 0.05);
    };
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const hasText = Array.from(el.childNodes).some((n) => n.nodeType === 3 && (n.textContent ?? '').trim().length > 0);
      if (!hasText || !visible(el) || el.closest('[disabled], [aria-disabled=true]')) continue;
      const s = getComputedStyle(el);
      const bg = backgroundOf(el);
      if (!bg) continue;
      const fg = over(parse(s.color), bg);
      const size = parseFloat(s.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
      const r = ratio(fg, bg);
      if (r < (large ? 3 : 4.5)) problems.push(`contrast ${r.toFixed(2)}:1 ${describe(el)} (${s.color} on rgb(${bg.slice(0, 3).map(Math.round).join(',')}))`);
    }
    for (const el of Array.from(document.querySelectorAll('input[placeholder], textarea[placeholder]'))) {
      if (!visible(el) || (el as HTMLInputElement).value) continue;
      const bg = backgroundOf(el);
      if (!bg) continue;
      const fg = over(parse(getComputedStyle(el, '::placeholder').color), bg);
      const r = ratio(fg, bg);
      if (r < 4.5) problems.push(`placeholder contrast ${r.toFixed(2)}:1 ${describe(el)}`);
    }

    // 3. Nothing wider than the viewport, unless it sits in a box that scrolls on purpose (wide tables).
    const vw = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > vw + 1) problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth}px > ${vw}px`);
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      if (!visible(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.right <= vw + 1 && r.left >= -1) continue;
      let scrolls = false;
      for (let n = el.parentElement; n; n = n.parentElement) {
        const ox = getComputedStyle(n).overflowX;
        if (ox === 'auto' || ox === 'scroll') scrolls = true;
      }
      if (!scrolls) problems.push(`overflows the viewport (${Math.round(r.left)}–${Math.round(r.right)} of ${vw}px) ${describe(el)}`);
    }
    // A box that scrolls sideways hides part of its content (wide tables on a phone, actions pushed off a card);
    // only code boxes may, since their text is copied with a button.
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const ox = getComputedStyle(el).overflowX;
      if ((ox === 'auto' || ox === 'scroll') && visible(el) && !el.matches('pre, code') && el.scrollWidth > el.clientWidth + 1) {
        problems.push(`box scrolls sideways (${el.scrollWidth}px in ${el.clientWidth}px) ${describe(el)}`);
      }
    }
    // Text clipped by an ellipsis or a hidden overflow is cut off text.
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const s = getComputedStyle(el);
      if (!visible(el) || (s.overflowX !== 'hidden' && s.textOverflow !== 'ellipsis')) continue;
      if (el.scrollWidth > el.clientWidth + 1 && (el.textContent ?? '').trim() && !el.querySelector('svg, img')) {
        problems.push(`cut-off text ${describe(el)}`);
      }
    }
    return problems;
  });
}

/**
 * Tabs through the page and reports every focused control that shows no visible focus indicator (no outline and no
 * box-shadow change), and controls the keyboard cannot reach before `limit` presses.
 */
export async function focusProblems(page: Page, limit = 40): Promise<string[]> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.mouse.click(1, 1).catch(() => undefined);
  const problems: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const info = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const s = getComputedStyle(el);
      const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
      const ring = s.boxShadow !== 'none';
      const text = (el.getAttribute('aria-label') ?? el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 40);
      return { key: `${el.tagName}|${el.id}|${text}`, label: `<${el.tagName.toLowerCase()}> "${text}"`, visible: outline || ring };
    });
    if (!info) continue;
    if (seen.has(info.key)) break;
    seen.add(info.key);
    if (!info.visible) problems.push(`no visible focus on ${info.label}`);
  }
  return problems;
}
