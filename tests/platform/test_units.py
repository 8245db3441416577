"""The unit tree and the object-level permission rules in sanshen.units.services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sanshen.audit.models import AuditEntry
from sanshen.units import services
from sanshen.units.models import SEGMENT, Membership, Role, Unit, encode_segment


def names(qs):
    return sorted(u.name for u in qs)


# Tree -----------------------------------------------------------------------------------------


def test_paths_and_depths(tree):
    city, qilin, edu, office = tree["city"], tree["qilin"], tree["edu"], tree["office"]
    assert city.path == encode_segment(city.pk) and city.depth == 1
    assert qilin.path == city.path + encode_segment(qilin.pk) and qilin.depth == 2
    assert office.path.startswith(edu.path) and office.depth == 4
    assert len(office.path) == 4 * SEGMENT
    assert names(qilin.subtree()) == ["办公室", "越州镇", "麒麟区", "麒麟区教育体育局"]
    assert names(qilin.subtree(include_self=False)) == ["办公室", "越州镇", "麒麟区教育体育局"]
    assert names(office.ancestors()) == ["曲靖市", "麒麟区", "麒麟区教育体育局"]
    assert office.is_within(city) and not office.is_within(tree["zhanyi"])


def test_segments_sort_like_numbers():
    assert encode_segment(0) == "0000000"
    assert encode_segment(35) == "000000z"
    assert encode_segment(9) < encode_segment(10) < encode_segment(36) < encode_segment(36**3)
    with pytest.raises(ValueError):
        encode_segment(36**SEGMENT)


def test_moving_a_unit_moves_its_subtree(tree):
    edu, zhanyi, office = tree["edu"], tree["zhanyi"], tree["office"]
    edu.parent = zhanyi
    edu.save()
    office.refresh_from_db()
    assert edu.path == zhanyi.path + encode_segment(edu.pk)
    assert office.path == edu.path + encode_segment(office.pk)
    assert office.depth == 4
    assert names(zhanyi.subtree()) == ["办公室", "沾益区", "沾益区教育体育局", "麒麟区教育体育局"]
    assert names(tree["qilin"].subtree()) == ["越州镇", "麒麟区"]


def test_move_to_root_shortens_paths(tree):
    qilin, office = tree["qilin"], tree["office"]
    qilin.parent = None
    qilin.save(update_fields=["parent"])
    qilin.refresh_from_db()
    office.refresh_from_db()
    assert qilin.depth == 1 and qilin.path == encode_segment(qilin.pk)
    assert office.depth == 3 and office.path.startswith(qilin.path)


def test_unit_cannot_move_below_itself(tree):
    qilin = tree["qilin"]
    qilin.parent = tree["office"]
    with pytest.raises(ValidationError):
        qilin.full_clean()
    with pytest.raises(ValidationError):
        qilin.save()
    qilin.refresh_from_db()
    assert qilin.parent == tree["city"]


# Visibility ---------------------------------------------------------------------------------


def test_editor_sees_only_own_unit(tree, make_user):
    editor = make_user("editor_a", (tree["edu"], Role.EDITOR))
    assert names(services.visible_units(editor)) == ["麒麟区教育体育局"]
    assert services.can_view(editor, tree["edu"])
    for other in ("qilin", "office", "town", "zhanyi_edu", "city"):
        assert not services.can_view(editor, tree[other]), other


def test_other_roles_do_not_widen_visibility(tree, make_user):
    leader = make_user(
        "leader", (tree["qilin"], Role.PRINCIPAL_LEADER), (tree["qilin"], Role.SITE_ADMIN), (tree["town"], Role.EDITOR)
    )
    assert names(services.visible_units(leader)) == ["越州镇", "麒麟区"]
    assert not services.can_view(leader, tree["edu"])


def test_city_supervisor_sees_everything_below(tree, make_user):
    sup = make_user("sup_city", (tree["city"], Role.SUPERVISOR))
    visible = names(services.visible_units(sup))
    assert visible == names(tree["city"].subtree())
    assert "玉溪市" not in visible
    assert all(services.can_view(sup, tree[k]) for k in ("city", "qilin", "office", "zhanyi_edu"))
    assert not services.can_view(sup, tree["other_city"])


def test_district_supervisor_does_not_see_sibling_district(tree, make_user):
    sup = make_user("sup_qilin", (tree["qilin"], Role.SUPERVISOR))
    assert names(services.visible_units(sup)) == ["办公室", "越州镇", "麒麟区", "麒麟区教育体育局"]
    assert not services.can_view(sup, tree["zhanyi"])
    assert not services.can_view(sup, tree["zhanyi_edu"])
    assert not services.can_view(sup, tree["city"])


def test_supervisor_in_two_subtrees_and_nested_grants(tree, make_user):
    sup = make_user(
        "sup_two",
        (tree["qilin"], Role.SUPERVISOR),
        (tree["edu"], Role.SUPERVISOR),
        (tree["zhanyi_edu"], Role.SUPERVISOR),
    )
    assert names(services.visible_units(sup)) == ["办公室", "沾益区教育体育局", "越州镇", "麒麟区", "麒麟区教育体育局"]


def test_new_unit_below_supervised_unit_becomes_visible(tree, make_user):
    sup = make_user("sup_q", (tree["qilin"], Role.SUPERVISOR))
    new = Unit.objects.create(name="新设科室", kind=Unit.Kind.OFFICE, parent=tree["town"])
    assert services.can_view(sup, new)
    assert new in services.visible_units(sup)


def test_inactive_anonymous_and_roleless_users_see_nothing(tree, make_user):
    from django.contrib.auth.models import AnonymousUser

    gone = make_user("gone", (tree["city"], Role.SUPERVISOR), is_active=False)
    nobody = make_user("nobody")
    for user in (gone, nobody, AnonymousUser(), None):
        assert not services.visible_units(user).exists()
        assert not services.can_view(user, tree["city"])
        assert not services.scope_to_user(Unit.objects.all(), user).exists()


def test_superuser_sees_all(tree, make_user):
    root = make_user("root", is_superuser=True)
    assert services.visible_units(root).count() == Unit.objects.count()
    assert services.can_view(root, tree["other_city"])
    assert not services.has_role(root, tree["city"], Role.SUPERVISOR)


def test_can_view_accepts_primary_keys(tree, make_user):
    editor = make_user("e_pk", (tree["town"], Role.EDITOR))
    assert services.can_view(editor, tree["town"].pk)
    assert not services.can_view(editor, tree["edu"].pk)


# Roles --------------------------------------------------------------------------------------


def test_has_role_direct_and_inherited(tree, make_user):
    leader = make_user("fenguan", (tree["qilin"], Role.DEPUTY_LEADER))
    assert services.has_role(leader, tree["qilin"], Role.DEPUTY_LEADER)
    assert services.has_role(leader, tree["qilin"])
    assert not services.has_role(leader, tree["qilin"], Role.PRINCIPAL_LEADER)
    assert not services.has_role(leader, tree["edu"], Role.DEPUTY_LEADER)
    assert services.has_role(leader, tree["office"], Role.DEPUTY_LEADER, inherited=True)
    assert not services.has_role(leader, tree["zhanyi_edu"], Role.DEPUTY_LEADER, inherited=True)
    assert names(services.units_with_role(leader, Role.DEPUTY_LEADER)) == ["麒麟区"]
    assert not services.units_with_role(leader, Role.EDITOR).exists()


def test_membership_is_unique_per_user_unit_role(tree, make_user):
    from django.db import IntegrityError, transaction

    user = make_user("dup", (tree["edu"], Role.EDITOR))
    Membership.objects.create(user=user, unit=tree["edu"], role=Role.SITE_ADMIN)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, unit=tree["edu"], role=Role.EDITOR)


def test_roles_are_labelled_in_chinese():
    assert dict(Role.choices) == {
        "editor": "信息员",
        "section_head": "科室负责人",
        "deputy_leader": "分管领导",
        "principal_leader": "主要领导",
        "secrecy_reviewer": "保密审查员",
        "site_admin": "网站管理员",
        "duty_officer": "值班员",
        "supervisor": "监管员",
    }


# Scoping any model --------------------------------------------------------------------------


def test_scope_to_user_filters_by_unit_fk(tree, make_user):
    from sanshen.audit.services import record

    for key in ("edu", "office", "zhanyi_edu", "other_city"):
        record("update", unit=tree[key], object_type="demo.item", object_id=key)
    editor = make_user("scoped_editor", (tree["edu"], Role.EDITOR))
    sup = make_user("scoped_sup", (tree["qilin"], Role.SUPERVISOR))
    demo = AuditEntry.objects.filter(object_type="demo.item")
    assert [e.object_id for e in services.scope_to_user(demo, editor)] == ["edu"]
    assert sorted(e.object_id for e in services.scope_to_user(demo, sup)) == ["edu", "office"]
    memberships = Membership.objects.all()
    assert {m.unit_id for m in services.scope_to_user(memberships, sup)} == {tree["qilin"].pk, tree["edu"].pk}


def test_scope_to_user_follows_relations(tree, make_user):
    editor = make_user("rel_editor", (tree["town"], Role.EDITOR))
    make_user("other_editor", (tree["edu"], Role.EDITOR))
    users_seen = services.scope_to_user(Membership.objects.all(), editor, unit_field="unit")
    assert {m.user.username for m in users_seen} == {"rel_editor"}
    units_seen = services.scope_to_user(Unit.objects.all(), editor, unit_field="parent")
    assert units_seen.count() == 0  # 越州镇 has no children


# Granting roles -----------------------------------------------------------------------------


def test_site_admin_manages_own_unit_but_cannot_grant_supervisor(tree, make_user):
    admin = make_user("siteadmin", (tree["edu"], Role.SITE_ADMIN))
    member = make_user("newbie")
    services.grant_role(member, tree["edu"], Role.EDITOR, by=admin)
    assert services.has_role(member, tree["edu"], Role.EDITOR)
    with pytest.raises(PermissionDenied):
        services.grant_role(member, tree["edu"], Role.SUPERVISOR, by=admin)
    with pytest.raises(PermissionDenied):
        services.grant_role(member, tree["office"], Role.EDITOR, by=admin)
    with pytest.raises(PermissionDenied):
        services.grant_role(member, tree["edu"], "king", by=admin)
    assert services.revoke_role(member, tree["edu"], Role.EDITOR, by=admin)
    assert not services.revoke_role(member, tree["edu"], Role.EDITOR, by=admin)
    assert not services.has_role(member, tree["edu"])


def test_supervisor_grants_within_subtree_only(tree, make_user):
    sup = make_user("sup_grant", (tree["qilin"], Role.SUPERVISOR))
    member = make_user("member")
    services.grant_role(member, tree["office"], Role.SUPERVISOR, by=sup)
    assert services.can_manage_members(sup, tree["town"])
    assert not services.can_manage_members(sup, tree["zhanyi"])
    with pytest.raises(PermissionDenied):
        services.grant_role(member, tree["zhanyi_edu"], Role.EDITOR, by=sup)
    editor = make_user("plain_editor", (tree["edu"], Role.EDITOR))
    assert not services.can_manage_members(editor, tree["edu"])
    with pytest.raises(PermissionDenied):
        services.grant_role(member, tree["edu"], Role.EDITOR, by=editor)
