/** Acceptance 3: a preparer makes a batch from vendor bills and submits it; an approver approves it. */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("payment_release_prepare_tour", {
    steps: () => [
        {
            content: "Select the first tour bill",
            trigger: 'tr.o_data_row:has(td:contains("TOUR-BILL-1")) .o_list_record_selector input[type="checkbox"]',
            run: "click",
        },
        {
            content: "Select the second tour bill",
            trigger: 'tr.o_data_row:has(td:contains("TOUR-BILL-2")) .o_list_record_selector input[type="checkbox"]',
            run: "click",
        },
        {
            content: "Open the Actions menu",
            trigger: ".o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: "Add to payment batch",
            trigger: '.o-dropdown-item:contains("Add to payment batch")',
            run: "click",
        },
        {
            content: "The batch form shows both bills",
            trigger: '.o_form_view .o_field_widget[name="line_ids"] .o_data_row:contains("TOUR-BILL-2")',
        },
        {
            content: "Submit for approval",
            trigger: '.o_form_view button[name="action_submit"]',
            run: "click",
        },
        {
            content: "The batch waits for approval",
            trigger: '.o_statusbar_status button.o_arrow_button_current:contains("To Approve")',
        },
    ],
});

registry.category("web_tour.tours").add("payment_release_approve_tour", {
    steps: () => [
        {
            content: "Open the batch waiting for approval",
            trigger: '.o_kanban_record:contains("TOUR-BATCH")',
            run: "click",
        },
        {
            content: "Approve the batch",
            trigger: '.o_form_view button[name="action_approve"]',
            run: "click",
        },
        {
            content: "The batch is approved",
            trigger: '.o_statusbar_status button.o_arrow_button_current:contains("Approved")',
        },
    ],
});
