// The object-browser page: the tree on the left, the selected object (an ObjectDetail) on the right.
import { h } from "./api.js";
import {
  createDatabaseDialog, createIndexDialog, createRoleDialog, createSchemaDialog, createTableDialog,
} from "./browser_dialogs.js";
import { CREATABLE, ObjectTree } from "./browser_tree.js";
import { installTreeKeys } from "./components/tree_keys.js";
import { ObjectDetail } from "./object_detail.js";
import { readyAfter } from "./page_ready.js";
import { installSessionGuard } from "./session_guard.js";
import { showError } from "./ui.js";

const $ = (selector) => document.querySelector(selector);
const treeError = $("#tree-error");
let selected = null; // tree node

// What the Create action makes when an object of a kind is selected, and the collection that lists it.
const CREATE_IN = { database: "schemas", schema: "tables", table: "indexes" };
const tree = new ObjectTree($("#tree"), {
  onSelect: select, onError: (err) => showError(treeError, err), onCreate: (node) => create(node, treeError),
});
// After a change, the collection that listed the object is reloaded (a rename or move shows there).
const detail = new ObjectDetail($("#object-detail"), {
  onChanged: () => {
    if (selected?.parent) tree.refresh(selected.parent);
    if (!detail.ref) selected = null;
  },
});
const createButton = h("button", { type: "button", id: "action-create", hidden: true,
  onclick: () => selected && create(selected, detail.error) });
detail.actions.prepend(createButton);

function select(node) {
  selected = node;
  const creates = CREATABLE[CREATE_IN[node.item.ref.kind]];
  createButton.hidden = !creates;
  createButton.textContent = creates ? `Create ${creates}…` : "";
  detail.show(node.item.ref);
}

/**
 * Open the create dialog for a node: a schemas/tables/indexes collection, or the database/schema/table that
 * holds one; after Apply, that collection is reloaded (and opened) in the tree.
 */
function create(node, errorPlace) {
  const { ref } = node.item;
  const collection = ref.kind in CREATABLE ? ref.kind : CREATE_IN[ref.kind];
  const onApplied = () => tree.showCollection(node, collection);
  const onError = (err) => showError(errorPlace, err);
  if (collection === "schemas") createSchemaDialog(ref.db ?? ref.name, onApplied, onError);
  else if (collection === "tables") createTableDialog(ref.db, ref.schema ?? ref.name, onApplied, onError);
  else if (collection === "indexes") createIndexDialog(ref.db, ref.schema, ref.table ?? ref.name, onApplied, onError);
}

function refreshRoot(kind) {
  const collection = tree.rootCollection(kind);
  if (collection) tree.refresh(collection);
}

installSessionGuard();
$("#show-system").addEventListener("change", (event) => {
  tree.system = event.target.checked;
  tree.load();
});
$("#tree-refresh").addEventListener("click", () => tree.load());
$("#create-role").addEventListener("click", () => createRoleDialog(() => refreshRoot("roles"), (err) => showError(treeError, err)));
$("#create-database").addEventListener("click", () => createDatabaseDialog(() => refreshRoot("databases"), (err) => showError(treeError, err)));
const treeKeys = installTreeKeys($("#tree"), {
  expand: (li) => tree.toggle(li.node), collapse: (li) => tree.toggle(li.node), open: (li) => tree.activate(li.node),
  menu: () => {},
});
new MutationObserver(() => treeKeys.settle()).observe($("#tree"), { childList: true, subtree: true });
readyAfter(tree.load());
