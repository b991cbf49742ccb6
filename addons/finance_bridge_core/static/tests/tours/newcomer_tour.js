/**
 * The newcomer's first walk (issue 12): Invoicing → Bank Connectivity → the demo connection (its
 * Settings tab, the settings form, the Secrets tab) → Sync now → Bank Transactions → a line → Upload Bank Files (a camt.053) → Imported Files.
 *
 * A step named in `shot()` logs "FB_SHOT <name>"; the test (tests/test_newcomer_tour.py) saves a
 * screenshot and then marks <body data-fb-shot="<name>">, which the next step waits for.
 * The file to upload is an attachment of the test, whose id is in the cookie `fb_newcomer_sample`.
 */
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

function shot(name, trigger) {
    return [
        {
            content: `screenshot ${name}`,
            trigger,
            run() {
                console.log(`FB_SHOT ${name}`);
            },
        },
        { content: `screenshot ${name} saved`, trigger: `body[data-fb-shot="${name}"]` },
    ];
}

/** Open a list row's record; a list that re-renders under the click (a reload after Sync now)
 * swallows it, so click again until the form is there. */
function openRow(content, cellSelector, text = "") {
    return {
        content,
        trigger: text ? `${cellSelector}:contains("${text}")` : cellSelector,
        async run() {
            for (let attempt = 0; attempt < 10 && !document.querySelector(".o_form_view"); attempt++) {
                [...document.querySelectorAll(cellSelector)].find((cell) => cell.textContent.includes(text))?.click();
                await new Promise((resolve) => setTimeout(resolve, 500));
            }
        },
    };
}

function openMenu(item) {
    return [
        {
            content: "Open the Bank Connectivity menu",
            trigger: '.o_menu_sections button:contains("Bank Connectivity")',
            run: "click",
        },
        {
            content: `Open ${item}`,
            trigger: `.dropdown-menu .dropdown-item:contains("${item}")`,
            run: "click",
        },
    ];
}

registry.category("web_tour.tours").add("finance_bridge_newcomer", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        ...shot("01_apps_menu", '.o_app[data-menu-xmlid="account.menu_finance"]'),
        { content: "Open Invoicing", trigger: '.o_app[data-menu-xmlid="account.menu_finance"]', run: "click" },
        ...openMenu("Bank Connections"),
        ...shot("02_bank_connections", '.o_list_view .o_data_row:contains("Demo Bank (watched folder)")'),
        openRow("Open the demo connection", '.o_list_view .o_data_row td[name="name"]', "Demo Bank (watched folder)"),
        ...shot("03_demo_connection", '.o_form_view button[name="action_sync_now"]'),
        { content: "Settings tab", trigger: '.o_notebook a:contains("Settings")', run: "click" },
        ...shot("04_settings_tab", '.o_form_view div[name="settings_html"] th:contains("Inbound folder")'),
        { content: "Edit settings", trigger: '.o_form_view button[name="action_edit_settings"]', run: "click" },
        ...shot("05_settings_form", '.modal .o_form_view div[name="int_1"] input'),
        { content: "Save the settings", trigger: '.modal .modal-footer button[name="action_save"]', run: "click" },
        { content: "Secrets tab", trigger: 'body:not(:has(.modal)) .o_notebook a:contains("Secrets")', run: "click" },
        ...shot("06_secrets_tab", '.o_notebook .tab-pane.active .alert-info:contains("needs no secrets")'),
        { content: "Sync now", trigger: '.o_form_view button[name="action_sync_now"]', run: "click" },
        ...shot("07_sync_now", '.o_notification:contains("18 line(s) created")'),
        ...openMenu("Bank Transactions"),
        ...shot("08_bank_transactions", ".o_list_view .o_data_row"),
        openRow("Open a transaction", '.o_list_view .o_data_row td[name="partner_id"]', "Nordic Paper AB"),
        ...shot("09_transaction_form", '.o_form_view div[name="finance_details_html"]'),
        { content: "Open its statement", trigger: '.o_form_view div[name="statement_id"] a', run: "click" },
        ...shot("10_statement_form", '.o_form_view div[name="line_ids"] .o_data_row'),
        ...openMenu("Upload Bank Files"),
        {
            content: "Choose the camt.053 sample",
            trigger: '.modal div[name="attachment_ids"] input[type="file"]:not(:visible)',
            async run({ anchor }) {
                const id = document.cookie.match(/fb_newcomer_sample=(\d+)/)[1];
                const response = await fetch(`/web/content/${id}?download=true`);
                const bytes = await response.arrayBuffer();
                const transfer = new DataTransfer();
                transfer.items.add(new File([bytes], "camt053_sample.xml", { type: "application/xml" }));
                anchor.files = transfer.files;
                anchor.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        ...shot("11_upload_chosen", '.modal div[name="attachment_ids"] .o_attachment:not(.o_attachment_uploading)'),
        { content: "Import", trigger: '.modal button[name="action_import"]', run: "click" },
        ...shot("12_upload_results", '.modal div[name="import_ids"] .o_data_row'),
        { content: "Close the results", trigger: '.modal .modal-footer button:contains("Close")', run: "click" },
        ...openMenu("Imported Files"),
        ...shot("13_imported_files", ".o_list_view .o_data_row"),
        openRow("Open the imported file", '.o_list_view .o_data_row td[name="name"]', "camt053_sample.xml"),
        ...shot("14_imported_file", '.o_form_view div[name="statement_ids"]'),
        {
            content: "Open admin's user form",
            trigger: "body",
            run: "goToUrl /odoo/action-base.action_res_users/2",
            expectUnloadPage: true,
        },
        { content: "Access rights", trigger: '.o_notebook a:contains("Access Rights")', run: "click" },
        ...shot("15_user_roles", '.o_notebook .tab-pane.active:contains("Payment Preparation")'),
    ],
});
