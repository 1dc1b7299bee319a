import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useLocale } from '../i18n/i18n.js';
import { pathTo, visibleNodes, type OrgNode } from './org-tree-model.js';
import { shellMessages } from './shell-messages.js';

export interface OrgTreeProps {
  roots: readonly OrgNode[];
  selectedId: string;
  /** The link of a node (the current view for that org). */
  hrefOf(orgId: string): string;
  onSelect(orgId: string): void;
}

/**
 * The navigation tree, after the WAI-ARIA tree pattern: one tab stop (the focused item), arrow keys move and
 * open or close, Home/End jump, Enter selects. Each item is also a link, so a click or a middle-click works.
 */
export function OrgTree({ roots, selectedId, hrefOf, onSelect }: OrgTreeProps) {
  const locale = useLocale();
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set(roots.flatMap((r) => [r.entry.id])));
  const [focusedId, setFocusedId] = useState(selectedId);
  const items = useRef(new Map<string, HTMLAnchorElement>());
  const moved = useRef(false);

  // The selected node's ancestors are open, whatever opened it (a link, a reload).
  useEffect(() => {
    const path = pathTo(roots, selectedId).slice(0, -1);
    if (path.some((id) => !expanded.has(id))) setExpanded(new Set([...expanded, ...path]));
    setFocusedId(selectedId);
  }, [roots, selectedId]);

  const visible = useMemo(() => visibleNodes(roots, expanded), [roots, expanded]);

  useEffect(() => {
    if (moved.current) items.current.get(focusedId)?.focus();
    moved.current = false;
  }, [focusedId]);

  const focus = (id: string | undefined) => {
    if (id === undefined || !visible.some((n) => n.entry.id === id)) return;
    moved.current = true;
    setFocusedId(id);
  };
  const toggle = (id: string, open: boolean) => {
    const next = new Set(expanded);
    if (open) next.add(id);
    else next.delete(id);
    setExpanded(next);
  };

  const onKeyDown = (event: KeyboardEvent, node: OrgNode) => {
    const id = node.entry.id;
    const index = visible.findIndex((n) => n.entry.id === id);
    const hasChildren = node.children.length > 0;
    const open = expanded.has(id);
    switch (event.key) {
      case 'ArrowDown':
        focus(visible[index + 1]?.entry.id);
        break;
      case 'ArrowUp':
        focus(visible[index - 1]?.entry.id);
        break;
      case 'ArrowRight':
        if (hasChildren && !open) toggle(id, true);
        else if (hasChildren) focus(node.children[0]?.entry.id);
        break;
      case 'ArrowLeft':
        if (hasChildren && open) toggle(id, false);
        else focus(node.entry.parent ?? undefined);
        break;
      case 'Home':
        focus(visible[0]?.entry.id);
        break;
      case 'End':
        focus(visible[visible.length - 1]?.entry.id);
        break;
      case 'Enter':
      case ' ':
        onSelect(id);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  const renderNode = (node: OrgNode, position: number, setSize: number) => {
    const { entry } = node;
    const hasChildren = node.children.length > 0;
    const open = expanded.has(entry.id);
    const levelName = shellMessages[locale.lang][levelKey(entry.level)];
    return (
      <li key={entry.id} role="none">
        <a
          ref={(element) => {
            if (element === null) items.current.delete(entry.id);
            else items.current.set(entry.id, element);
          }}
          role="treeitem"
          href={hrefOf(entry.id)}
          data-org={entry.id}
          aria-level={node.depth + 1}
          aria-posinset={position}
          aria-setsize={setSize}
          aria-selected={entry.id === selectedId}
          aria-expanded={hasChildren ? open : undefined}
          tabIndex={entry.id === focusedId ? 0 : -1}
          class={`tree-item depth-${Math.min(node.depth, 4)}`}
          onKeyDown={(event) => onKeyDown(event, node)}
          onClick={(event) => {
            event.preventDefault();
            setFocusedId(entry.id);
            if (hasChildren && entry.id === selectedId) toggle(entry.id, !open);
            onSelect(entry.id);
          }}
        >
          <span class="twisty" aria-hidden="true">
            {hasChildren ? (open ? '▾' : '▸') : '·'}
          </span>
          <span class="tree-name">{entry.name}</span>
          <span class="tree-level">{levelName}</span>
        </a>
        {hasChildren && open ? (
          <ul role="group">{node.children.map((child, i) => renderNode(child, i + 1, node.children.length))}</ul>
        ) : null}
      </li>
    );
  };

  return (
    <ul role="tree" aria-label={locale.t(shellMessages, 'orgTree')} class="tree">
      {roots.map((root, i) => renderNode(root, i + 1, roots.length))}
    </ul>
  );
}

/** The fleet's levels: district and county are both 县区 in the tree. */
function levelKey(level: string): 'region' | 'city' | 'county' | 'institution' {
  if (level === 'region' || level === 'city' || level === 'institution') return level;
  return 'county';
}
