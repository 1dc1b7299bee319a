/**
 * Charts drawn one per task, those in view first, then the others (below the fold) in document order. Drawing a
 * chart costs tens of milliseconds on a slow laptop: six drawn in one go after the view's data arrived held the
 * page for a quarter of a second; one per task lets the page answer input between them, and the chart the officer
 * looks at is drawn first. A chart drawn later than the view's data shows its figures in its table meanwhile.
 */
interface Job {
  readonly element: Element;
  readonly draw: () => void;
}

const queue: Job[] = [];
let scheduled = false;
let idle: (() => void)[] = [];

/** Queues `draw` for the chart in `element`; the function returned takes it out again (the chart unmounted). */
export function queueDraw(element: Element, draw: () => void): () => void {
  const job: Job = { element, draw };
  queue.push(job);
  schedule();
  return () => {
    const index = queue.indexOf(job);
    if (index >= 0) queue.splice(index, 1);
  };
}

/**
 * Resolves once no chart waits to be drawn: a view asks for what it loads after its main content then, so that
 * the service's work for it (on the same cores, for the embedded default) does not slow the draws.
 */
export function whenDrawn(): Promise<void> {
  if (queue.length === 0 && !scheduled) return Promise.resolve();
  return new Promise((resolve) => idle.push(resolve));
}

function schedule(): void {
  if (!scheduled && queue.length === 0) {
    const waiting = idle;
    idle = [];
    for (const resolve of waiting) resolve();
  }
  if (scheduled || queue.length === 0) return;
  scheduled = true;
  setTimeout(drawNext, 0);
}

function drawNext(): void {
  scheduled = false;
  const inView = queue.findIndex((job) => isInView(job.element));
  const [job] = queue.splice(inView >= 0 ? inView : 0, 1);
  job?.draw();
  schedule();
}

function isInView(element: Element): boolean {
  const box = element.getBoundingClientRect();
  return box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth;
}
