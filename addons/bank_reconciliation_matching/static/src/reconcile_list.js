import { useHotkey } from "@web/core/hotkeys/hotkey_hook";
import { registry } from "@web/core/registry";
import { ListController } from "@web/views/list/list_controller";
import { listView } from "@web/views/list/list_view";

/**
 * The review screen by keyboard: arrow keys move between lines (Odoo's list navigation, from the
 * search bar with ArrowDown); on the focused line Alt+A accepts its best suggestion and Alt+M opens
 * the matching by hand. The buttons themselves decide (server-side checks), the keys only press them.
 */
export class FinanceReconcileListController extends ListController {
    setup() {
        super.setup();
        const options = { bypassEditableProtection: true };
        useHotkey("alt+a", () => this.pressInFocusedRow("button.o_finance_accept"), options);
        useHotkey("alt+m", () => this.pressInFocusedRow("button.o_finance_match_manual"), options);
    }

    pressInFocusedRow(selector) {
        const row = document.activeElement?.closest(".o_data_row");
        row?.querySelector(selector)?.click();
    }
}

registry.category("views").add("finance_reconcile_list", {
    ...listView,
    Controller: FinanceReconcileListController,
});
