// Measures every card on a layout test page (tests/test_layout.py), once MathJax has typeset it and
// its images have loaded, and reports what a learner could not read. Selenium's async-script
// callback is the last argument. Runs in the test page only, never in a card.
const report = arguments[arguments.length - 1];
const BRIGHT_LUMINANCE = 0.45;  // mean luminance of a figure on the night background above which it glares
const MIN_CHARACTERS_PER_LINE = 10;  // a table cell wrapped to fewer is squeezed

function describe(element) {
  const classes = element.getAttribute('class');
  return element.tagName.toLowerCase() + (classes ? '.' + classes.trim().split(/\s+/).join('.') : '');
}

// Whether an element lies inside one already reported: each overflow is reported at its outermost element.
function insidePast(element, card, past) {
  for (let outer = element.parentElement; outer && outer !== card; outer = outer.parentElement) {
    if (past.has(outer)) return true;
  }
  return false;
}

function visible(element) {
  const box = element.getBoundingClientRect();
  return box.width > 0 || box.height > 0;
}

// Lines of text a table cell was broken into, and characters in it. Pieces of text whose middle
// lies within the line above (code beside prose sits a little higher) count as that line.
function cellLines(cell) {
  const range = document.createRange();
  range.selectNodeContents(cell);
  const pieces = [...range.getClientRects()].filter(r => r.width > 0).sort((a, b) => a.top - b.top);
  let lines = 0, lineBottom = -Infinity;
  for (const piece of pieces) {
    if ((piece.top + piece.bottom) / 2 > lineBottom) lines += 1;
    lineBottom = (piece.top + piece.bottom) / 2 > lineBottom ? piece.bottom : Math.max(lineBottom, piece.bottom);
  }
  return {lines, characters: cell.innerText.trim().length};
}

function meanLuminance(image, background) {
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(image.getBoundingClientRect().width));
  canvas.height = Math.max(1, Math.round(image.getBoundingClientRect().height));
  const context = canvas.getContext('2d');
  context.fillStyle = background;  // what shows through a transparent figure
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let total = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    total += (0.2126 * pixels[i] + 0.7152 * pixels[i + 1] + 0.0722 * pixels[i + 2]) / 255;
  }
  return total / (pixels.length / 4);
}

function measure(card) {
  const viewport = document.documentElement.clientWidth;
  const problems = [];
  const past = new Set();
  for (const element of card.querySelectorAll('*')) {
    // MathJax's copy for screen readers is clipped to nothing on purpose.
    if (!visible(element) || element.closest('mjx-assistive-mml')) continue;
    const box = element.getBoundingClientRect();
    if (box.right > viewport + 1 || box.left < -1) {
      past.add(element);
      if (!insidePast(element, card, past)) problems.push(['reaches past the screen edge', describe(element)]);
    }
    const overflowX = getComputedStyle(element).overflowX;
    if (element.scrollWidth > element.clientWidth + 1 && overflowX !== 'visible') {
      problems.push([overflowX === 'hidden' || overflowX === 'clip' ? 'cuts off its content' : 'scrolls sideways', describe(element)]);
    }
  }
  for (const cell of card.querySelectorAll('td, th')) {
    const {lines, characters} = cellLines(cell);
    if (lines > 1 && characters / lines < MIN_CHARACTERS_PER_LINE) {
      problems.push([`table cell squeezed to ${Math.round(characters / lines)} characters a line`, describe(cell)]);
    }
  }
  const night = card.classList.contains('nightMode');
  const background = getComputedStyle(card).backgroundColor;
  // Each figure shows in exactly one version, the one for the mode; in night mode every image
  // shown must be a night version (a light figure on a dark card glares, or its ink vanishes).
  const [shown, hidden] = night ? ['night-figure', 'light-figure'] : ['light-figure', 'night-figure'];
  for (const image of card.querySelectorAll(`img.${shown}`)) {
    if (!visible(image)) problems.push([`the ${shown.split('-')[0]} version of a figure is hidden`, image.getAttribute('src')]);
  }
  for (const image of card.querySelectorAll(`img.${hidden}`)) {
    if (visible(image)) problems.push([`the ${hidden.split('-')[0]} version of a figure shows`, image.getAttribute('src')]);
  }
  const images = [...card.querySelectorAll('img')].filter(visible).map(image => {
    const box = image.getBoundingClientRect();
    const loaded = image.complete && image.naturalWidth > 0;
    return {
      src: image.getAttribute('src'), width: box.width, height: box.height, loaded,
      nightVersion: image.classList.contains('night-figure'),
      luminance: night && loaded ? meanLuminance(image, background) : null,
    };
  });
  for (const image of images) {
    if (!image.loaded) problems.push(['image did not load', image.src]);
    if (night && !image.nightVersion) problems.push(['image has no night version', image.src]);
    if (image.luminance !== null && image.luminance > BRIGHT_LUMINANCE) {
      problems.push([`figure is a bright panel in night mode (mean luminance ${image.luminance.toFixed(2)})`, image.src]);
    }
  }
  const smallPrint = card.querySelector('.source');
  return {
    id: card.dataset.card, problems, images,
    smallPrintPx: smallPrint ? parseFloat(getComputedStyle(smallPrint).fontSize) : null,
  };
}

(async () => {
  await MathJax.startup.promise;
  await MathJax.typesetPromise();
  await Promise.all([...document.images].map(image => image.decode().catch(() => null)));
  const unrendered = document.querySelectorAll('mjx-merror, mjx-container [data-mjx-error]').length;
  report({
    viewport: document.documentElement.clientWidth,
    pageScrollWidth: document.documentElement.scrollWidth,
    mathErrors: unrendered,
    typeset: document.querySelectorAll('mjx-container').length,
    cards: [...document.querySelectorAll('[data-card]')].map(measure),
  });
})().catch(error => report({error: String(error && error.stack || error)}));
