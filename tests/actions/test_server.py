"""The action server registers exactly the actions the conversation contract names."""

from __future__ import annotations

from rasa_sdk.executor import ActionExecutor

CONTRACT_ACTIONS = {
    "action_check_binding",
    "action_identify",
    "action_unbind",
    "validate_appeal_status_form",
    "action_appeal_status",
    "action_my_appeals",
    "action_subscribe_status",
    "action_service_status",
    "action_register_incident",
    "action_password_ticket",
    "action_contacts",
    "action_handoff",
    "action_save_rating",
    "action_nlu_fallback",
    "action_consent_agree",
    "action_revoke_consent",
    "action_forget_me",
}


def test_package_registers_every_contract_action_without_io() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    assert set(executor.actions) >= CONTRACT_ACTIONS
