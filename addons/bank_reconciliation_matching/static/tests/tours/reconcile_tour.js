import { registry } from "@web/core/registry";

// The review screen: accept the focused line's suggestion by keyboard (Alt+A), accept one with the mouse, then reconcile another line by hand.
registry.category("web_tour.tours").add("bank_reconciliation_matching_tour", {
    steps: () => [
        {
            content: "Move the keyboard focus to that line (as the arrow keys do in Odoo's list)",
            trigger: '.o_data_row:contains("Tour hotkey line") td.o_data_cell[name="payment_ref"]',
            run() {
                this.anchor.focus();
            },
        },
        {
            content: "Alt+A accepts the focused line's best suggestion",
            trigger: '.o_data_row:focus-within:contains("Tour hotkey line")',
            run: "press alt+a",
        },
        {
            content: "The line is reconciled and leaves the list to review",
            trigger: '.o_list_view:not(:has(.o_data_row:contains("Tour hotkey line")))',
        },
        {
            content: "The suggestion and its explanation are shown",
            trigger: '.o_data_row:contains("Tour RF payment"):contains("structured reference")',
        },
        {
            content: "Accept the suggestion",
            trigger: '.o_data_row:contains("Tour RF payment") button.o_finance_accept',
            run: "click",
        },
        {
            content: "The line is reconciled and leaves the list to review",
            trigger: '.o_list_view:not(:has(.o_data_row:contains("Tour RF payment")))',
        },
        {
            content: "Open the manual matching of the other line",
            trigger: '.o_data_row:contains("Tour manual line") button.o_finance_match_manual',
            run: "click",
        },
        {
            content: "Add an open item",
            trigger: ".modal .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Search the customer's open item",
            trigger: '.modal .o_data_row:contains("TOUR-INV") td.o_data_cell[name="partner_id"]',
            run: "click",
        },
        {
            content: "The item is picked",
            trigger: '.modal .o_field_many2many .o_data_row:contains("Tour Customer")',
        },
        {
            content: "Reconcile",
            trigger: '.modal button[name="action_reconcile"]',
            run: "click",
        },
        {
            content: "Both lines are reconciled",
            trigger: 'body:not(:has(.modal)) .o_action_manager .o_list_view:not(:has(.o_data_row:contains("Tour manual line")))',
        },
    ],
});
